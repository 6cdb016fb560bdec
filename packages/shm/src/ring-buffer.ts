// Past 400 lines on purpose: the producers' and the consumers' halves of one shared layout
// (the header words below) and the recovery from a dead producer that ties them together.
/**
 * A bounded multi-producer ring of length-prefixed byte frames in a
 * SharedArrayBuffer, with wake-ups in both directions.
 *
 * Producers reserve space under a short producer lock: they check for room,
 * write the frame header `[length, state = ownerId]` and advance the write
 * cursor. The payload is then copied outside the lock (producers copy in
 * parallel) and published by setting `state` to COMMITTED. The consumer reads
 * frames strictly in reservation order, stopping at the first uncommitted one,
 * so a frame is never lost, duplicated or reordered; frames from one producer
 * keep that producer's order.
 *
 * Because the header names the reserving thread before the frame becomes
 * visible, a producer that dies mid-frame does not wedge the ring: once the
 * consumer has been stuck on that frame past `recoverAfterMs` and the registry
 * reports the owner dead, the frame is skipped and counted as abandoned.
 *
 * Consumers advance the read cursor by CAS, so several consumers are safe
 * (each frame goes to exactly one of them), though the usual shape is one.
 */
import { FrameTooLargeError, LayoutError, MainThreadBlockingError, WaitTimeoutError } from './errors';
import { DEFAULT_RECOVER_AFTER_MS, DEFAULT_SPIN_TIMEOUT_MS } from './lock-options';
import { Mutex } from './mutex';
import { IS_MAIN_THREAD, SELF_OWNER_ID, isSharedArrayBuffer, now } from './platform';
import { ThreadRegistry, type ThreadRegistryHandle } from './thread-registry';
import { waitAsync, waitBlocking, type WaitPolicy, type WaitStep } from './wait';

const MAGIC = 0x52494e47; // 'RING'
const H_MAGIC = 0;
const H_CAPACITY = 1;
const H_WRITE = 2;
const H_READ = 3;
const H_DATA_SEQ = 4;
const H_CONSUMER_WAITERS = 5;
const H_PRODUCER_WAITERS = 6;
const H_FRAMES_WRITTEN = 7;
const H_FRAMES_READ = 8;
const H_ABANDONED = 9;
const H_FULL_REJECTIONS = 10;
const H_PRODUCER_LOCK = 12; // Mutex.WORDS words
const HEADER_BYTES = 64;
const FRAME_HEADER = 8;
const COMMITTED = -1;

export const RING_MIN_CAPACITY = 64;
export const RING_MAX_CAPACITY = 1 << 30;

export interface RingBufferOptions {
  /** Data bytes; rounded up to a power of two in 64 B .. 1 GiB. Each frame takes 8 + length rounded up to 8. */
  capacity: number;
  /** Enables skipping frames abandoned by dead producers, and recovery of the producer lock. */
  registry?: ThreadRegistry;
  recoverAfterMs?: number;
}

export interface RingBufferHandle {
  readonly kind: 'ring-buffer';
  readonly buffer: SharedArrayBuffer;
  readonly registry?: ThreadRegistryHandle;
  readonly recoverAfterMs: number;
}

export interface RingBufferStats {
  capacity: number;
  /** Bytes reserved by producers and not yet consumed (headers and padding included). */
  usedBytes: number;
  framesWritten: number;
  framesRead: number;
  /** Frames skipped because their producer died before committing them. */
  abandonedFrames: number;
  /** `tryWrite` calls that returned false because the ring was full. */
  fullRejections: number;
}

export class RingBuffer {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  /** Largest frame payload that fits in an empty ring. */
  readonly maxFrameLength: number;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly mask: number;
  private readonly producerLock: Mutex;
  private readonly registry: ThreadRegistry | undefined;
  private readonly recoverAfterMs: number;
  /** Consumer-side bookkeeping for the abandoned-frame check (per thread, on purpose). */
  private stallPos = -1;
  private stallSince = 0;

  static create(options: RingBufferOptions): RingBuffer {
    if (!Number.isInteger(options.capacity) || options.capacity < 1 || options.capacity > RING_MAX_CAPACITY) {
      throw new RangeError(`ring buffer: capacity must be an integer in 1..${RING_MAX_CAPACITY}`);
    }
    let capacity = RING_MIN_CAPACITY;
    while (capacity < options.capacity) capacity *= 2;
    const buffer = new SharedArrayBuffer(HEADER_BYTES + capacity);
    const i32 = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    i32[H_CAPACITY] = capacity;
    Atomics.store(i32, H_MAGIC, MAGIC);
    return new RingBuffer(buffer, options.registry, options.recoverAfterMs ?? DEFAULT_RECOVER_AFTER_MS);
  }

  static attach(handle: RingBufferHandle): RingBuffer {
    return new RingBuffer(
      handle.buffer,
      handle.registry ? ThreadRegistry.attach(handle.registry) : undefined,
      handle.recoverAfterMs,
    );
  }

  private constructor(buffer: SharedArrayBuffer, registry: ThreadRegistry | undefined, recoverAfterMs: number) {
    if (!isSharedArrayBuffer(buffer)) throw new LayoutError('ring buffer: handle.buffer is not a SharedArrayBuffer');
    const i32 = new Int32Array(buffer);
    if (buffer.byteLength < HEADER_BYTES || Atomics.load(i32, H_MAGIC) !== MAGIC)
      throw new LayoutError('ring buffer: buffer does not hold a ring');
    this.capacity = i32[H_CAPACITY];
    if (buffer.byteLength < HEADER_BYTES + this.capacity)
      throw new LayoutError('ring buffer: buffer too small for its capacity');
    this.buffer = buffer;
    this.i32 = i32;
    this.u8 = new Uint8Array(buffer, HEADER_BYTES, this.capacity);
    this.mask = this.capacity - 1;
    this.maxFrameLength = this.capacity - FRAME_HEADER;
    this.registry = registry;
    this.recoverAfterMs = recoverAfterMs;
    this.producerLock = new Mutex(i32, H_PRODUCER_LOCK, { registry, recoverAfterMs });
  }

  handle(): RingBufferHandle {
    return {
      kind: 'ring-buffer',
      buffer: this.buffer,
      registry: this.registry?.handle(),
      recoverAfterMs: this.recoverAfterMs,
    };
  }

  // ---- producers ----------------------------------------------------------------

  /**
   * Appends `frame` if there is room; false (nothing written) when the ring is full.
   * Never blocks beyond the nanoseconds-long reservation lock. Any thread.
   * Throws FrameTooLargeError if the frame could never fit.
   */
  tryWrite(frame: Uint8Array): boolean {
    const pos = this.reserve(frame.length);
    if (pos < 0) {
      Atomics.add(this.i32, H_FULL_REJECTIONS, 1);
      return false;
    }
    this.commit(pos, frame);
    return true;
  }

  /** Appends `frame`, blocking (Atomics.wait) while the ring is full. Workers only. */
  write(frame: Uint8Array, timeoutMs = Infinity): void {
    if (this.tryWriteQuiet(frame)) return;
    if (IS_MAIN_THREAD) throw new MainThreadBlockingError('RingBuffer.write', 'tryWrite() or writeAsync()');
    if (!waitBlocking(new SpaceStep(this, frame), this.noRecovery(timeoutMs)))
      throw new WaitTimeoutError('RingBuffer.write', timeoutMs);
  }

  /** Appends `frame`, waiting with Atomics.waitAsync while the ring is full. */
  async writeAsync(frame: Uint8Array, timeoutMs = Infinity): Promise<void> {
    if (!(await waitAsync(new SpaceStep(this, frame), this.noRecovery(timeoutMs))))
      throw new WaitTimeoutError('RingBuffer.writeAsync', timeoutMs);
  }

  /** @internal Attempt used by blocking/async writers: a full ring is not a rejection. */
  tryWriteQuiet(frame: Uint8Array): boolean {
    const pos = this.reserve(frame.length);
    if (pos < 0) return false;
    this.commit(pos, frame);
    return true;
  }

  /**
   * @internal First half of a write: claims space and publishes the frame header
   * naming this thread. Returns the frame's ring position, or -1 if full.
   */
  reserve(length: number): number {
    if (length > this.maxFrameLength) throw new FrameTooLargeError(length, this.maxFrameLength);
    const size = frameSize(length);
    this.producerLock.lockSpin(DEFAULT_SPIN_TIMEOUT_MS);
    try {
      const w = Atomics.load(this.i32, H_WRITE);
      const r = Atomics.load(this.i32, H_READ);
      if (this.capacity - ((w - r) >>> 0) < size) return -1;
      const pos = w & this.mask;
      const h = this.headerIndex(pos);
      // Header before cursor: a consumer that sees the cursor also sees who owns the frame.
      Atomics.store(this.i32, h, length);
      Atomics.store(this.i32, h + 1, SELF_OWNER_ID);
      Atomics.store(this.i32, H_WRITE, (w + size) | 0);
      return pos;
    } finally {
      this.producerLock.unlock();
    }
  }

  /** @internal Second half of a write: copies the payload and publishes it. */
  commit(pos: number, frame: Uint8Array): void {
    const start = (pos + FRAME_HEADER) & this.mask;
    const first = Math.min(frame.length, this.capacity - start);
    this.u8.set(first === frame.length ? frame : frame.subarray(0, first), start);
    if (first < frame.length) this.u8.set(frame.subarray(first), 0);
    Atomics.store(this.i32, this.headerIndex(pos) + 1, COMMITTED);
    Atomics.add(this.i32, H_FRAMES_WRITTEN, 1);
    Atomics.add(this.i32, H_DATA_SEQ, 1);
    if (Atomics.load(this.i32, H_CONSUMER_WAITERS) > 0) Atomics.notify(this.i32, H_DATA_SEQ);
  }

  // ---- consumers ----------------------------------------------------------------

  /** Next frame (a copy), or null if none is ready. Never blocks. Any thread. */
  read(): Uint8Array | null {
    const frames = this.readBatch(1);
    return frames.length === 0 ? null : frames[0]!;
  }

  /** Up to `maxFrames` ready frames, in order (copies). Empty array if none. Never blocks. */
  readBatch(maxFrames = Infinity): Uint8Array[] {
    for (;;) {
      const r = Atomics.load(this.i32, H_READ);
      const w = Atomics.load(this.i32, H_WRITE);
      const out: Uint8Array[] = [];
      let cursor = r;
      while (cursor !== w && out.length < maxFrames) {
        const h = this.headerIndex(cursor & this.mask);
        if (Atomics.load(this.i32, h + 1) !== COMMITTED) break;
        const length = Atomics.load(this.i32, h);
        out.push(this.copyOut(cursor & this.mask, length));
        cursor = (cursor + frameSize(length)) | 0;
      }
      if (out.length === 0) {
        if (cursor !== w && this.abandonedAtHead(r)) continue;
        return out;
      }
      // Another consumer may have taken these frames meanwhile; then our copies are discarded.
      if (Atomics.compareExchange(this.i32, H_READ, r, cursor) !== r) continue;
      Atomics.add(this.i32, H_FRAMES_READ, out.length);
      this.stallPos = -1;
      this.wakeProducers();
      return out;
    }
  }

  /**
   * Blocks (Atomics.wait) until a frame is ready to read; false on timeout.
   * Workers only; on the main thread use `waitForDataAsync`.
   */
  waitForData(timeoutMs = Infinity): boolean {
    if (IS_MAIN_THREAD) throw new MainThreadBlockingError('RingBuffer.waitForData', 'waitForDataAsync()');
    return waitBlocking(new DataStep(this), this.consumerPolicy(timeoutMs));
  }

  /** Resolves true once a frame is ready to read, false on timeout. Keeps the event loop alive while waiting. */
  waitForDataAsync(timeoutMs = Infinity): Promise<boolean> {
    return waitAsync(new DataStep(this), this.consumerPolicy(timeoutMs));
  }

  /** True if a frame has been reserved and not yet read: two atomic loads, cheap enough to ask often. */
  hasFrames(): boolean {
    return Atomics.load(this.i32, H_READ) !== Atomics.load(this.i32, H_WRITE);
  }

  stats(): RingBufferStats {
    const w = Atomics.load(this.i32, H_WRITE);
    const r = Atomics.load(this.i32, H_READ);
    return {
      capacity: this.capacity,
      usedBytes: (w - r) >>> 0,
      framesWritten: Atomics.load(this.i32, H_FRAMES_WRITTEN) >>> 0,
      framesRead: Atomics.load(this.i32, H_FRAMES_READ) >>> 0,
      abandonedFrames: Atomics.load(this.i32, H_ABANDONED) >>> 0,
      fullRejections: Atomics.load(this.i32, H_FULL_REJECTIONS) >>> 0,
    };
  }

  // ---- internals used by the wait steps -------------------------------------------

  /** @internal */ get words(): Int32Array {
    return this.i32;
  }

  /** @internal True if the frame at the read cursor is committed. Sets nothing. */
  headReady(): boolean {
    const r = Atomics.load(this.i32, H_READ);
    if (r === Atomics.load(this.i32, H_WRITE)) return false;
    return Atomics.load(this.i32, this.headerIndex(r & this.mask) + 1) === COMMITTED;
  }

  /** @internal Skips the head frame if its producer is dead; true if it did. */
  skipDeadHead(): boolean {
    const r = Atomics.load(this.i32, H_READ);
    if (r === Atomics.load(this.i32, H_WRITE)) return false;
    const h = this.headerIndex(r & this.mask);
    const state = Atomics.load(this.i32, h + 1);
    if (state === COMMITTED || !this.registry?.ownerExited(state)) return false;
    const size = frameSize(Atomics.load(this.i32, h));
    if (Atomics.compareExchange(this.i32, H_READ, r, (r + size) | 0) === r) {
      Atomics.add(this.i32, H_ABANDONED, 1);
      this.stallPos = -1;
      this.wakeProducers();
    }
    return true;
  }

  /** Non-blocking readers call this when the head frame is uncommitted: skips it once it has been stuck long enough and its owner is dead. */
  private abandonedAtHead(r: number): boolean {
    if (!this.registry) return false;
    const t = now();
    if (this.stallPos !== r) {
      this.stallPos = r;
      this.stallSince = t;
      return false;
    }
    return t - this.stallSince >= this.recoverAfterMs && this.skipDeadHead();
  }

  private wakeProducers(): void {
    if (Atomics.load(this.i32, H_PRODUCER_WAITERS) > 0) Atomics.notify(this.i32, H_READ);
  }

  private copyOut(pos: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const start = (pos + FRAME_HEADER) & this.mask;
    const first = Math.min(length, this.capacity - start);
    out.set(this.u8.subarray(start, start + first));
    if (first < length) out.set(this.u8.subarray(0, length - first), first);
    return out;
  }

  private headerIndex(pos: number): number {
    return (HEADER_BYTES + pos) >> 2;
  }

  private noRecovery(timeoutMs: number): WaitPolicy {
    return { timeoutMs, recoverAfterMs: Infinity };
  }

  private consumerPolicy(timeoutMs: number): WaitPolicy {
    return { timeoutMs, recoverAfterMs: this.registry ? this.recoverAfterMs : Infinity };
  }
}

/** Waits for room for one frame. */
class SpaceStep implements WaitStep {
  readonly view: Int32Array;
  readonly waitIndex = H_READ;
  waitValue = 0;

  constructor(
    private readonly ring: RingBuffer,
    private readonly frame: Uint8Array,
  ) {
    this.view = ring.words;
  }

  attempt(): boolean {
    // Read the cursor first: if the consumer frees space after this load, the wait returns at once.
    this.waitValue = Atomics.load(this.view, H_READ);
    return this.ring.tryWriteQuiet(this.frame);
  }

  recover(): boolean {
    return false;
  }

  abandon(): void {}

  enterWait(): void {
    Atomics.add(this.view, H_PRODUCER_WAITERS, 1);
  }

  leaveWait(): void {
    Atomics.sub(this.view, H_PRODUCER_WAITERS, 1);
  }
}

/** Waits until the head frame is committed. */
class DataStep implements WaitStep {
  readonly view: Int32Array;
  readonly waitIndex = H_DATA_SEQ;
  waitValue = 0;

  constructor(private readonly ring: RingBuffer) {
    this.view = ring.words;
  }

  attempt(): boolean {
    this.waitValue = Atomics.load(this.view, H_DATA_SEQ);
    return this.ring.headReady();
  }

  recover(): boolean {
    return this.ring.skipDeadHead();
  }

  abandon(): void {}

  enterWait(): void {
    Atomics.add(this.view, H_CONSUMER_WAITERS, 1);
  }

  leaveWait(): void {
    Atomics.sub(this.view, H_CONSUMER_WAITERS, 1);
  }
}

function frameSize(length: number): number {
  return FRAME_HEADER + ((length + 7) & ~7);
}
