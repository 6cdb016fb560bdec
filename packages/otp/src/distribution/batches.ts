import type { Codec } from '../cluster/codec';
import { BatchWriter } from '../cluster/wire';

/** A frame bigger than this is sent at once rather than grown further (NATS's default max payload is 1 MiB). */
const FLUSH_BYTES = 256 * 1024;

/**
 * The outgoing records of one node, batched per destination node: a frame is the sending
 * node's id, then records back to back (cluster/wire.ts). Every batch written during one
 * turn of the event loop goes out together at its end (a microtask), so a burst of sends
 * costs one transport message per destination, and a lone call is not delayed.
 */
export class NodeBatches {
  private readonly writers = new Map<number, BatchWriter>();
  private readonly dirty = new Set<number>();
  private flushQueued = false;
  /** Frames handed to the transport. */
  framesOut = 0;

  constructor(
    private readonly codec: Codec,
    private readonly self: number,
    private readonly send: (node: number, frame: Uint8Array) => void,
  ) {}

  /** The open batch for `node`; after writing to it directly, call `written`. */
  writer(node: number): BatchWriter {
    let w = this.writers.get(node);
    if (w === undefined) {
      w = new BatchWriter(this.codec);
      this.writers.set(node, w);
      this.open(w);
    }
    return w;
  }

  /** Writes one record for `node` (rewound if its value cannot be encoded). */
  record(node: number, write: (w: BatchWriter) => void): void {
    const w = this.writer(node);
    const pos = w.pos;
    const records = w.records;
    try {
      write(w);
    } catch (error) {
      w.rewind(pos, records);
      throw error;
    }
    this.written(node, w);
  }

  written(node: number, w: BatchWriter): void {
    if (w.pos >= FLUSH_BYTES) {
      this.flushTo(node);
      return;
    }
    this.dirty.add(node);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** Sends every pending batch. */
  readonly flush = (): void => {
    this.flushQueued = false;
    for (const node of this.dirty) this.flushTo(node);
    this.dirty.clear();
  };

  flushTo(node: number): void {
    const w = this.writers.get(node);
    if (w === undefined || w.empty) return;
    const frame = w.bytes().slice();
    this.open(w);
    this.dirty.delete(node);
    this.framesOut++;
    this.send(node, frame);
  }

  /** Forgets what waits for `node` (it went down). */
  drop(node: number): void {
    this.writers.delete(node);
    this.dirty.delete(node);
  }

  private open(w: BatchWriter): void {
    w.begin(0);
    w.id(this.self);
  }
}
