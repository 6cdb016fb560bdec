/**
 * A sequence lock: one writer at a time bumps a sequence number to odd before
 * changing the protected words and back to even after; readers take no lock,
 * read, and retry if the sequence moved. Reads never block writers, which suits
 * small, frequently read records (counters, table metadata, snapshots).
 *
 * Writers are serialised by an embedded robust Mutex. If a writer dies
 * mid-write the sequence stays odd and readers wait (then time out) until the
 * next writer recovers the mutex; that writer sees `writerLock.inconsistent`
 * and should rewrite the whole record before `writerLock.markConsistent()`.
 *
 * Reader functions run on possibly changing memory: they must tolerate garbage
 * (no unbounded loops or allocations driven by values read) because a torn
 * result is discarded. Read shared words with Atomics.load so that each word is
 * ordered with respect to the sequence checks on every CPU architecture.
 */
import { WaitTimeoutError } from './errors';
import {
  checkEmbedding,
  attachHandle,
  DEFAULT_SPIN_TIMEOUT_MS,
  type LockHandleBase,
  type LockOptions,
} from './lock-options';
import { Mutex } from './mutex';
import { IS_MAIN_THREAD, now, waitAsyncRef } from './platform';

const SEQ = 0;
const READ_WAITERS = 1;
const MUTEX = 4;
const SPIN_READS = 32;
const READ_SLEEP_MS = 1;
const RETRY: unique symbol = Symbol('seqlock.retry');

export interface SeqLockHandle extends LockHandleBase {
  readonly kind: 'seqlock';
}

export class SeqLock {
  /** Int32 words a seqlock occupies (sequence, reader-waiter count, writer mutex). All-zero is valid. */
  static readonly WORDS = MUTEX + Mutex.WORDS;
  static readonly BYTES = SeqLock.WORDS * 4;

  /** Serialises writers; exposed so callers can pick how to wait (`lockAsync`, `lockSpin`, ...). */
  readonly writerLock: Mutex;
  private readonly view: Int32Array;
  private readonly base: number;

  static create(options: LockOptions = {}): SeqLock {
    return new SeqLock(new Int32Array(new SharedArrayBuffer(SeqLock.BYTES)), 0, options);
  }

  static attach(handle: SeqLockHandle): SeqLock {
    const { view, options } = attachHandle('seqlock', handle, SeqLock.WORDS);
    return new SeqLock(view, 0, options);
  }

  constructor(view: Int32Array, index = 0, options: LockOptions = {}) {
    checkEmbedding('seqlock', view, index, SeqLock.WORDS);
    this.view = view;
    this.base = index;
    this.writerLock = new Mutex(view, index + MUTEX, options);
  }

  handle(): SeqLockHandle {
    const m = this.writerLock.handle();
    return {
      kind: 'seqlock',
      buffer: m.buffer,
      byteOffset: this.view.byteOffset + this.base * 4,
      registry: m.registry,
      recoverAfterMs: m.recoverAfterMs,
    };
  }

  /** Current sequence number (odd while a write is in progress). */
  get sequence(): number {
    return Atomics.load(this.view, this.base + SEQ);
  }

  /**
   * Runs `fn` until it completes without a concurrent write and returns its
   * result. Waits (briefly spinning, then sleeping 1 ms at a time) while a write
   * is in progress; throws WaitTimeoutError after `timeoutMs`. Usable on any thread.
   */
  read<T>(fn: () => T, timeoutMs = DEFAULT_SPIN_TIMEOUT_MS): T {
    let start = -1;
    for (let i = 0; ; i++) {
      const seq = Atomics.load(this.view, this.base + SEQ);
      if ((seq & 1) === 0) {
        const result = this.attemptRead(fn, seq);
        if (result !== RETRY) return result;
      }
      if (i < SPIN_READS) continue;
      const t = now();
      if (start < 0) start = t;
      else if (t - start >= timeoutMs) throw new WaitTimeoutError('SeqLock.read', timeoutMs);
      if ((seq & 1) === 1) this.sleepSync(seq, Math.min(READ_SLEEP_MS, timeoutMs));
    }
  }

  /** Like `read`, but waits for writers with Atomics.waitAsync. */
  async readAsync<T>(fn: () => T, timeoutMs = Infinity): Promise<T> {
    const start = now();
    for (let i = 0; ; i++) {
      const seq = Atomics.load(this.view, this.base + SEQ);
      if ((seq & 1) === 0) {
        const result = this.attemptRead(fn, seq);
        if (result !== RETRY) return result;
      }
      if (i < SPIN_READS) continue;
      const elapsed = now() - start;
      if (elapsed >= timeoutMs) throw new WaitTimeoutError('SeqLock.readAsync', timeoutMs);
      if ((seq & 1) === 1) {
        Atomics.add(this.view, this.base + READ_WAITERS, 1);
        try {
          await waitAsyncRef(this.view, this.base + SEQ, seq, Math.min(50, timeoutMs - elapsed));
        } finally {
          Atomics.sub(this.view, this.base + READ_WAITERS, 1);
        }
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /**
   * Low-level read protocol: `beginRead()` returns a sequence to pass to
   * `validate()` after reading. An odd value means a write is in progress.
   */
  beginRead(): number {
    return Atomics.load(this.view, this.base + SEQ);
  }

  validate(seq: number): boolean {
    return (seq & 1) === 0 && Atomics.load(this.view, this.base + SEQ) === seq;
  }

  /**
   * Runs `fn` as the single writer: takes `writerLock` (blocking in workers,
   * spin-then-yield on the main thread), marks the sequence odd, runs `fn`,
   * marks it even.
   */
  write<T>(fn: () => T, timeoutMs?: number): T {
    if (IS_MAIN_THREAD) this.writerLock.lockSpin(timeoutMs);
    else this.writerLock.lock(timeoutMs);
    return this.writeHeld(fn);
  }

  async writeAsync<T>(fn: () => T, timeoutMs?: number): Promise<T> {
    await this.writerLock.lockAsync(timeoutMs);
    return this.writeHeld(fn);
  }

  /** For callers that hold `writerLock` themselves: marks a write as started. */
  beginWrite(): void {
    // Odd already means the previous writer died mid-write; stay odd until this write ends.
    const seq = Atomics.load(this.view, this.base + SEQ);
    if ((seq & 1) === 0) Atomics.store(this.view, this.base + SEQ, seq + 1);
  }

  endWrite(): void {
    Atomics.add(this.view, this.base + SEQ, 1);
    if (Atomics.load(this.view, this.base + READ_WAITERS) > 0) Atomics.notify(this.view, this.base + SEQ);
  }

  private writeHeld<T>(fn: () => T): T {
    try {
      this.beginWrite();
      try {
        return fn();
      } finally {
        this.endWrite();
      }
    } finally {
      this.writerLock.unlock();
    }
  }

  private attemptRead<T>(fn: () => T, seq: number): T | typeof RETRY {
    let value: T;
    try {
      value = fn();
    } catch (err) {
      // A torn read may make `fn` throw; only report errors from a consistent snapshot.
      if (Atomics.load(this.view, this.base + SEQ) === seq) throw err;
      return RETRY;
    }
    return Atomics.load(this.view, this.base + SEQ) === seq ? value : RETRY;
  }

  private sleepSync(seq: number, ms: number): void {
    Atomics.add(this.view, this.base + READ_WAITERS, 1);
    try {
      Atomics.wait(this.view, this.base + SEQ, seq, ms);
    } finally {
      Atomics.sub(this.view, this.base + READ_WAITERS, 1);
    }
  }
}
