import type { Codec } from '../cluster/codec';
import { BatchWriter } from '../cluster/wire';

/** A frame bigger than this is sent at once rather than grown further (NATS's default max payload is 1 MiB). */
const FLUSH_BYTES = 256 * 1024;

/** Destination scheduler bytes that ask the receiving node to place the records (spawn requests) on a scheduler it picks. */
export const PLACE_ROUND_ROBIN = 255;
export const PLACE_LEAST_LOADED = 254;

/** One batch key per (node, scheduler): node ids stay below 2^45, so the product is an exact integer. */
function keyOf(node: number, scheduler: number): number {
  return node * 256 + scheduler;
}

/**
 * The outgoing records of one scheduler of a node, batched per destination node and
 * scheduler: a frame is the sending scheduler (u8), the sending node's id, the destination
 * scheduler (u8, or a PLACE_ byte), then records back to back (cluster/wire.ts). Every batch
 * written during one turn of the event loop goes out together at its end (a microtask), so
 * a burst of sends costs one transport message per destination, and a lone call is not delayed.
 */
export class NodeBatches {
  private readonly writers = new Map<number, { w: BatchWriter; node: number; scheduler: number }>();
  private readonly dirty = new Set<number>();
  private flushQueued = false;
  /** Frames handed to the transport. */
  framesOut = 0;

  constructor(
    private readonly codec: Codec,
    private readonly self: number,
    private readonly selfScheduler: number,
    private readonly send: (node: number, frame: Uint8Array) => void,
  ) {}

  /** The open batch for scheduler `scheduler` of `node`; after writing to it directly, call `written`. */
  writer(node: number, scheduler: number): BatchWriter {
    let batch = this.writers.get(keyOf(node, scheduler));
    if (batch === undefined) {
      batch = { w: new BatchWriter(this.codec), node, scheduler };
      this.writers.set(keyOf(node, scheduler), batch);
      this.open(batch.w, scheduler);
    }
    return batch.w;
  }

  /** Writes one record for scheduler `scheduler` of `node` (rewound if its value cannot be encoded). */
  record(node: number, scheduler: number, write: (w: BatchWriter) => void): void {
    const w = this.writer(node, scheduler);
    w.record(write);
    this.written(node, scheduler, w);
  }

  written(node: number, scheduler: number, w: BatchWriter): void {
    const key = keyOf(node, scheduler);
    if (w.pos >= FLUSH_BYTES) {
      this.flushKey(key);
      return;
    }
    this.dirty.add(key);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** Sends every pending batch. */
  readonly flush = (): void => {
    this.flushQueued = false;
    for (const key of this.dirty) this.flushKey(key);
    this.dirty.clear();
  };

  /** Sends what waits for scheduler `scheduler` of `node` now. */
  flushTo(node: number, scheduler: number): void {
    this.flushKey(keyOf(node, scheduler));
  }

  private flushKey(key: number): void {
    const batch = this.writers.get(key);
    if (batch === undefined || batch.w.empty) return;
    const frame = batch.w.bytes().slice();
    this.open(batch.w, batch.scheduler);
    this.dirty.delete(key);
    this.framesOut++;
    this.send(batch.node, frame);
  }

  /** Forgets what waits for `node` (it went down). */
  drop(node: number): void {
    for (const [key, batch] of this.writers) {
      if (batch.node !== node) continue;
      this.writers.delete(key);
      this.dirty.delete(key);
    }
  }

  private open(w: BatchWriter, scheduler: number): void {
    w.begin(this.selfScheduler);
    w.id(this.self);
    w.u8(scheduler);
  }
}
