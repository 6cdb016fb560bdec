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
/**
 * Frames are taken one at a time, and no more while the process the last one delivered to
 * has this many messages queued (the scheduler is behind): the rest wait in the ring, as
 * bytes the GC never sees. Taken eagerly, a burst of frames became a mailbox backlog of
 * hundreds of thousands of messages that lived through scavenges and was promoted (a fifth
 * of the time of scale/message_throughput).
 */
const BACKLOG_LIMIT = 4096;
/** The most frames taken at once, by the read loop or a poll. */
const MAX_FRAMES = 64;
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
  /** Where the last frame applied delivered its last message: its backlog holds off more frames. */
  private lastDelivered: LastTarget | null = null;
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
    (!this.applying && !this.backlogged() && this.rings[this.id]!.hasFrames()) ||
    (this.pendingSince !== 0 && performance.now() - this.pendingSince > 0.1);

  /** Applies what is ready in this scheduler's ring while it keeps up, without waiting. The scheduler calls it as it runs. */
  readonly poll = (): void => {
    if (!this.stopped && !this.applying) this.take(false);
  };

  /** True while the process the last frame delivered to has more than BACKLOG_LIMIT messages queued. */
  private backlogged(): boolean {
    const process = this.lastDelivered?.process;
    return process !== undefined && process.alive && (process.mailbox?.length ?? 0) > BACKLOG_LIMIT;
  }

  /**
   * Applies ready frames one at a time, up to MAX_FRAMES, while the scheduler keeps up
   * (see BACKLOG_LIMIT); `always` takes the first regardless (the read loop: so frames keep
   * moving however far behind a process is). Returns how many it applied.
   */
  private take(always: boolean): number {
    const ring = this.rings[this.id]!;
    let n = 0;
    this.applying = true;
    try {
      while (n < MAX_FRAMES && !this.stopped && ((always && n === 0) || !this.backlogged())) {
        const frames = ring.readBatch(1);
        if (frames.length === 0) break;
        this.receiveFrame(frames[0]!);
        n++;
      }
    } finally {
      this.applying = false;
    }
    return n;
  }

  private async run(): Promise<void> {
    const ring = this.rings[this.id]!;
    while (!this.stopped) {
      let taken = this.take(true);
      if (taken === 0 && this.spinMs > 0) {
        const until = performance.now() + this.spinMs;
        while (taken === 0 && performance.now() < until) taken = this.take(true);
        this.spinMs = taken > 0 ? Math.min(SPIN_MS, this.spinMs * 2) : this.spinMs < 0.004 ? 0 : this.spinMs / 2;
      }
      if (taken === 0) {
        const slept = performance.now();
        await ring.waitForDataAsync(250);
        // A quick wake-up means the other side is answering fast again: try polling once more.
        if (this.spinMs === 0 && performance.now() - slept < QUICK_WAKE_MS) this.spinMs = 0.005;
        continue;
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
    this.lastDelivered = last;
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
