import { RingBuffer, type RingBufferHandle } from '@erlmcp/shm';
import { Queue } from '../queue';
import type { Codec } from './codec';
import type { LastTarget } from './record-handlers';
import { MissingShareError } from './shares';
import { BatchReader, BatchWriter } from './wire';

/** A batch is sealed into a ring frame once it reaches this size, so a long burst of sends streams. */
const FRAME_LIMIT = 64 * 1024;
/** The longest an idle scheduler polls its ring before it sleeps on Atomics.waitAsync. */
const SPIN_MS = 0.05;
/** A wake-up sooner than this after going to sleep says the other side answers fast: spinning would have paid. */
const QUICK_WAKE_MS = 0.2;
const resolved = Promise.resolve();

/** Thrown inside apply when a record names a shared buffer that has not arrived: park from here. */
class ParkedAt extends Error {
  constructor(readonly position: number) {
    super(`parked at ${position}`);
  }
}

/** Applies one record of a frame from scheduler `source` (the peer's table of record handlers). */
export type ApplyRecord = (r: BatchReader, source: number, last: LastTarget) => void;

/**
 * The rings between schedulers, as one scheduler uses them: it batches the records it
 * writes for each other scheduler into frames (sealed by a microtask, or at once past
 * FRAME_LIMIT), holds frames a full ring cannot take yet (in order, never dropped), and
 * reads its own ring: polling while the other side answers fast, sleeping on
 * Atomics.waitAsync when it does not. A frame that names a shared buffer not yet arrived
 * is parked, and the frames after it wait behind it, so records keep their order.
 */
export class RingTransport {
  private readonly rings: RingBuffer[];
  private readonly writers: BatchWriter[] = [];
  private readonly backlog: Queue<Uint8Array>[] = [];
  private readonly draining: boolean[] = [];
  private flushPending = false;
  /** When the oldest unflushed record was written (0: none). */
  private pendingSince = 0;
  private applying = false;
  /** Frames waiting for a shared buffer, in arrival order; the first may be part-applied. */
  private readonly parked: { frame: Uint8Array; position: number }[] = [];
  private loop: Promise<void> | undefined;
  /** Set by stop(): no more reading, and a full ring's backlog gives up. */
  stopped = false;
  /**
   * How long to poll before sleeping, adapted to what polling has been worth:
   * doubled when a poll found work, halved (down to nothing) when it did not.
   * A request-reply exchange with a thread on another free core answers within
   * microseconds, so polling saves a wake-up; but when the cores are busy,
   * polling only steals the time the other side needs to answer.
   */
  private spinMs = SPIN_MS;

  constructor(
    rings: RingBufferHandle[],
    /** This scheduler: the ring it reads, and the source it writes in its frames. */
    private readonly id: number,
    private readonly codec: Codec,
    private readonly isAlive: (k: number) => boolean,
    private readonly applyRecord: ApplyRecord,
  ) {
    this.rings = rings.map((h) => RingBuffer.attach(h));
    for (let k = 0; k < rings.length; k++) {
      this.writers.push(new BatchWriter(codec));
      this.backlog.push(new Queue<Uint8Array>());
      this.draining.push(false);
    }
  }

  // ---- outgoing ---------------------------------------------------------------

  /** The batch for scheduler k, begun if empty; call written() after writing a record's fields. */
  writer(k: number): BatchWriter {
    const w = this.writers[k]!;
    if (w.empty) w.begin(this.id);
    return w;
  }

  /** Writes one record; if its payload cannot be encoded, the batch is left as it was and the error thrown. */
  record(k: number, write: (w: BatchWriter) => void): void {
    const w = this.writer(k);
    w.record(write);
    this.written(k, w);
  }

  /** A record was written to k's batch: seal it if it is big, else have a microtask flush it. */
  written(k: number, w: BatchWriter): void {
    if (w.pos >= FRAME_LIMIT) this.seal(k);
    else if (!this.flushPending) {
      this.flushPending = true;
      this.pendingSince = performance.now();
      void resolved.then(this.flush);
    }
  }

  /** Seals scheduler k's batch into a ring frame now. */
  seal(k: number): void {
    const w = this.writers[k]!;
    if (w.empty) return;
    const bytes = w.bytes();
    const queue = this.backlog[k]!;
    if (queue.length === 0 && this.rings[k]!.tryWrite(bytes)) {
      w.rewind(0, 0);
      return;
    }
    // The ring is full: keep the frame, in order, and hand it over as room appears.
    queue.push(bytes.slice());
    w.rewind(0, 0);
    if (!this.draining[k]) void this.drainBacklog(k);
  }

  /** Seals every batch. */
  readonly flush = (): void => {
    this.flushPending = false;
    this.pendingSince = 0;
    for (let k = 0; k < this.writers.length; k++) this.seal(k);
  };

  private async drainBacklog(k: number): Promise<void> {
    this.draining[k] = true;
    const queue = this.backlog[k]!;
    try {
      while (queue.length > 0 && !this.stopped) {
        await this.rings[k]!.writeAsync(queue.peek()!, 1000).then(
          () => queue.shift(),
          () => undefined, // still full after a second: try again; frames are never dropped or reordered
        );
        if (!this.isAlive(k) && queue.length > 0 && this.stopped) break;
      }
    } finally {
      this.draining[k] = false;
    }
  }

  // ---- incoming ---------------------------------------------------------------

  /** Reads this scheduler's ring until stopped: frames, then a short spin, then a wait. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading (after the frame being applied); resolves once the read loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /**
   * Whether the scheduler should pause between messages: other schedulers have
   * sent something, or records (replies, often) have waited to go out for
   * 0.1 ms — they are flushed by a microtask, which cannot run until the
   * scheduler's current drain returns. The clock is read only while records wait.
   */
  readonly inboxReady = (): boolean =>
    (!this.applying && this.rings[this.id]!.hasFrames()) ||
    (this.pendingSince !== 0 && performance.now() - this.pendingSince > 0.1);

  /** Applies whatever is ready in this scheduler's ring, without waiting. The scheduler calls it as it runs. */
  readonly poll = (): void => {
    if (this.stopped || this.applying) return;
    const frames = this.rings[this.id]!.readBatch(16);
    if (frames.length === 0) return;
    this.applying = true;
    try {
      for (const frame of frames) this.receiveFrame(frame);
    } finally {
      this.applying = false;
    }
  };

  private async run(): Promise<void> {
    const ring = this.rings[this.id]!;
    while (!this.stopped) {
      let frames = ring.readBatch(64);
      if (frames.length === 0 && this.spinMs > 0) {
        const until = performance.now() + this.spinMs;
        while (frames.length === 0 && performance.now() < until) frames = ring.readBatch(64);
        this.spinMs =
          frames.length > 0 ? Math.min(SPIN_MS, this.spinMs * 2) : this.spinMs < 0.004 ? 0 : this.spinMs / 2;
      }
      if (frames.length === 0) {
        const slept = performance.now();
        await ring.waitForDataAsync(250);
        // A quick wake-up means the other side is answering fast again: try polling once more.
        if (this.spinMs === 0 && performance.now() - slept < QUICK_WAKE_MS) this.spinMs = 0.005;
        continue;
      }
      this.applying = true;
      try {
        for (const frame of frames) this.receiveFrame(frame);
      } finally {
        this.applying = false;
      }
      // Let the scheduler run what was delivered, and timers and sockets have their turn.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Applies a frame unless earlier frames are parked (order first), parking it if it names an unknown buffer. */
  private receiveFrame(frame: Uint8Array): void {
    if (this.parked.length > 0) this.parked.push({ frame, position: 1 });
    else this.apply(frame, 1);
  }

  /** A shared buffer arrived: apply the parked frames that can go now, in order. */
  resumeParked(): void {
    while (this.parked.length > 0) {
      const { frame, position } = this.parked.shift()!;
      if (!this.apply(frame, position)) return;
    }
  }

  /** Applies records from `start`; false if it had to park the frame for a shared buffer. */
  private apply(frame: Uint8Array, start: number): boolean {
    const r = new BatchReader(frame, this.codec);
    const source = r.u8();
    r.seek(start);
    try {
      this.applyRecords(r, source);
      return true;
    } catch (error) {
      if (!(error instanceof ParkedAt)) throw error;
      this.parked.unshift({ frame, position: error.position });
      return false;
    }
  }

  private applyRecords(r: BatchReader, source: number): void {
    const last: LastTarget = { id: -1, process: undefined };
    while (!r.done) {
      const recordStart = r.position;
      try {
        this.applyRecord(r, source, last);
      } catch (error) {
        if (error instanceof MissingShareError) throw new ParkedAt(recordStart);
        throw error;
      }
    }
  }
}
