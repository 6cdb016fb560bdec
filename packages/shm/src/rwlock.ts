// Past 400 lines on purpose: one lock's protocol on shared words (acquire and release in both
// modes, writer preference, recovery from a dead holder), which must all agree on the same bits.
/**
 * A robust, writer-preferring reader-writer lock on Int32 words of a SharedArrayBuffer.
 *
 * Layout: a writer word (owner `threadId + 1`, plus a bit set once the writer has
 * drained the readers and may be modifying data), a drain sequence that readers
 * bump on release (the word a draining writer sleeps on), counters, one slot per
 * concurrent read hold containing the reader's owner id, and a bitmask of the
 * occupied slots. The per-reader slots are what make reader deaths recoverable
 * (a plain count could not say whose hold belongs to a dead thread); the bitmask
 * lets a writer see "no readers" in one load instead of a scan.
 *
 * Reader protocol: claim a slot (CAS), set its bit, then check the writer word;
 * writer: claim the writer word, then wait for the bitmask to be empty. Under
 * sequentially consistent atomics one of the two always sees the other. A reader
 * that dies between claiming the slot and setting the bit never reads, so
 * ignoring it is safe; recovery clears the bit before the slot so a slot is
 * never reused while its stale bit could be cleared under a new reader.
 *
 * Recovery: a waiter that has waited longer than `recoverAfterMs` clears holds of
 * threads the registry reports dead. Stealing from a writer that had started
 * writing sets the `inconsistent` flag; dead readers and dead pending writers
 * changed nothing, so clearing them does not.
 */
import { DeadlockError, MainThreadBlockingError, NotOwnerError, WaitTimeoutError } from './errors';
import {
  DEFAULT_RECOVER_AFTER_MS,
  DEFAULT_SPIN_TIMEOUT_MS,
  checkEmbedding,
  attachHandle,
  type LockHandleBase,
  type LockOptions,
} from './lock-options';
import { IS_MAIN_THREAD, SELF_OWNER_ID, threadIdOfOwner } from './platform';
import type { ThreadRegistry } from './thread-registry';
import { waitAsync, waitBlocking, waitSpinning, type WaitPolicy, type WaitStep } from './wait';

const WRITER = 0;
const DRAIN = 1;
const SLEEPERS = 2;
const RECOVERIES = 3;
const INCONSISTENT = 4;
const HEADER_WORDS = 8;
const BITS = 32;
/** Set in the writer word once readers are drained: from then on the writer may be mutating data. */
const ACTIVE = 1 << 30;
const OWNER_MASK = ACTIVE - 1;

export interface RwLockOptions extends LockOptions {
  /** Maximum simultaneous read holds (all threads). Default 32. Fixed at layout time. */
  maxReaders?: number;
}

export interface RwLockHandle extends LockHandleBase {
  readonly kind: 'rwlock';
  readonly maxReaders: number;
}

export class RwLock {
  static readonly DEFAULT_MAX_READERS = 32;

  /** Int32 words a lock with `maxReaders` slots occupies. All-zero words are an unlocked lock. */
  static wordsFor(maxReaders: number = RwLock.DEFAULT_MAX_READERS): number {
    return HEADER_WORDS + Math.ceil(maxReaders / BITS) + maxReaders;
  }

  readonly maxReaders: number;
  private readonly view: Int32Array;
  private readonly base: number;
  private readonly registry: ThreadRegistry | undefined;
  private readonly recoverAfterMs: number;
  private readonly hint: number;
  private readonly maskBase: number;
  private readonly maskWords: number;
  private readonly slotBase: number;

  static create(options: RwLockOptions = {}): RwLock {
    const words = RwLock.wordsFor(options.maxReaders);
    return new RwLock(new Int32Array(new SharedArrayBuffer(words * 4)), 0, options);
  }

  static attach(handle: RwLockHandle): RwLock {
    const words = RwLock.wordsFor(handle.maxReaders);
    const { view, options } = attachHandle('rwlock', handle, words);
    return new RwLock(view, 0, { ...options, maxReaders: handle.maxReaders });
  }

  /** Uses words `index .. index + RwLock.wordsFor(maxReaders) - 1` of `view`. */
  constructor(view: Int32Array, index = 0, options: RwLockOptions = {}) {
    const maxReaders = options.maxReaders ?? RwLock.DEFAULT_MAX_READERS;
    if (!Number.isInteger(maxReaders) || maxReaders < 1)
      throw new RangeError('rwlock: maxReaders must be a positive integer');
    checkEmbedding('rwlock', view, index, RwLock.wordsFor(maxReaders));
    this.view = view;
    this.base = index;
    this.maxReaders = maxReaders;
    this.maskBase = index + HEADER_WORDS;
    this.maskWords = Math.ceil(maxReaders / BITS);
    this.slotBase = this.maskBase + this.maskWords;
    this.registry = options.registry;
    this.recoverAfterMs = options.recoverAfterMs ?? DEFAULT_RECOVER_AFTER_MS;
    // Before this thread can hold the lock: lets a waiter learn of its death from the OS.
    this.registry?.recordSelf();
    // Start slot scans at a per-thread position so threads rarely contend for a slot.
    this.hint = (SELF_OWNER_ID * 7) % maxReaders;
  }

  handle(): RwLockHandle {
    return {
      kind: 'rwlock',
      buffer: this.view.buffer as SharedArrayBuffer,
      byteOffset: this.view.byteOffset + this.base * 4,
      registry: this.registry?.handle(),
      recoverAfterMs: this.recoverAfterMs,
      maxReaders: this.maxReaders,
    };
  }

  // ---- readers -------------------------------------------------------------

  tryReadLock(): boolean {
    return this.readStep().attempt();
  }

  /** Blocks (Atomics.wait) until a read hold is taken. Workers only. */
  readLock(timeoutMs = Infinity): void {
    if (this.tryReadLock()) return;
    if (IS_MAIN_THREAD) throw new MainThreadBlockingError('RwLock.readLock', 'readLockAsync() or readLockSpin()');
    if ((Atomics.load(this.view, this.base + WRITER) & OWNER_MASK) === SELF_OWNER_ID)
      throw new DeadlockError('RwLock.readLock');
    if (!waitBlocking(this.readStep(), this.policy(timeoutMs)))
      throw new WaitTimeoutError('RwLock.readLock', timeoutMs);
  }

  /** Spin-then-yield, any thread; for read sections of nanoseconds. */
  readLockSpin(timeoutMs = DEFAULT_SPIN_TIMEOUT_MS): void {
    if (this.tryReadLock()) return;
    if ((Atomics.load(this.view, this.base + WRITER) & OWNER_MASK) === SELF_OWNER_ID)
      throw new DeadlockError('RwLock.readLockSpin');
    if (!waitSpinning(this.readStep(), this.policy(timeoutMs)))
      throw new WaitTimeoutError('RwLock.readLockSpin', timeoutMs);
  }

  async readLockAsync(timeoutMs = Infinity): Promise<void> {
    if (!(await waitAsync(this.readStep(), this.policy(timeoutMs))))
      throw new WaitTimeoutError('RwLock.readLockAsync', timeoutMs);
  }

  readUnlock(): void {
    const slot = this.findSlot(SELF_OWNER_ID);
    if (slot < 0) throw new NotOwnerError('RwLock.readUnlock');
    this.clearBit(slot);
    Atomics.store(this.view, slot, 0);
    Atomics.add(this.view, this.base + DRAIN, 1);
    if (Atomics.load(this.view, this.base + SLEEPERS) > 0) Atomics.notify(this.view, this.base + DRAIN);
  }

  /** Runs `fn` under a read hold: blocking in workers, spin-then-yield on the main thread. */
  withReadLock<T>(fn: () => T, timeoutMs?: number): T {
    if (IS_MAIN_THREAD) this.readLockSpin(timeoutMs);
    else this.readLock(timeoutMs);
    try {
      return fn();
    } finally {
      this.readUnlock();
    }
  }

  async withReadLockAsync<T>(fn: () => T | Promise<T>, timeoutMs?: number): Promise<T> {
    await this.readLockAsync(timeoutMs);
    try {
      return await fn();
    } finally {
      this.readUnlock();
    }
  }

  // ---- writers -------------------------------------------------------------

  tryWriteLock(): boolean {
    const w = Atomics.compareExchange(this.view, this.base + WRITER, 0, SELF_OWNER_ID);
    if (w !== 0) return false;
    if (this.noReaders()) {
      Atomics.store(this.view, this.base + WRITER, SELF_OWNER_ID | ACTIVE);
      return true;
    }
    Atomics.store(this.view, this.base + WRITER, 0);
    Atomics.notify(this.view, this.base + WRITER); // readers that backed off because of us
    return false;
  }

  /** Blocks (Atomics.wait) until the write hold is taken. Workers only. */
  writeLock(timeoutMs = Infinity): void {
    if (this.tryWriteLock()) return;
    if (IS_MAIN_THREAD) throw new MainThreadBlockingError('RwLock.writeLock', 'writeLockAsync() or writeLockSpin()');
    this.checkNoOwnHold('RwLock.writeLock');
    if (!waitBlocking(new WriteStep(this), this.policy(timeoutMs)))
      throw new WaitTimeoutError('RwLock.writeLock', timeoutMs);
  }

  /** Spin-then-yield, any thread; for write sections of nanoseconds. */
  writeLockSpin(timeoutMs = DEFAULT_SPIN_TIMEOUT_MS): void {
    if (this.tryWriteLock()) return;
    this.checkNoOwnHold('RwLock.writeLockSpin');
    if (!waitSpinning(new WriteStep(this), this.policy(timeoutMs)))
      throw new WaitTimeoutError('RwLock.writeLockSpin', timeoutMs);
  }

  async writeLockAsync(timeoutMs = Infinity): Promise<void> {
    if (!(await waitAsync(new WriteStep(this), this.policy(timeoutMs))))
      throw new WaitTimeoutError('RwLock.writeLockAsync', timeoutMs);
  }

  writeUnlock(): void {
    const w = Atomics.load(this.view, this.base + WRITER);
    if (w !== (SELF_OWNER_ID | ACTIVE) || Atomics.compareExchange(this.view, this.base + WRITER, w, 0) !== w) {
      throw new NotOwnerError('RwLock.writeUnlock');
    }
    if (Atomics.load(this.view, this.base + SLEEPERS) > 0) Atomics.notify(this.view, this.base + WRITER);
  }

  withWriteLock<T>(fn: () => T, timeoutMs?: number): T {
    if (IS_MAIN_THREAD) this.writeLockSpin(timeoutMs);
    else this.writeLock(timeoutMs);
    try {
      return fn();
    } finally {
      this.writeUnlock();
    }
  }

  async withWriteLockAsync<T>(fn: () => T | Promise<T>, timeoutMs?: number): Promise<T> {
    await this.writeLockAsync(timeoutMs);
    try {
      return await fn();
    } finally {
      this.writeUnlock();
    }
  }

  // ---- state ---------------------------------------------------------------

  /** Thread id of the writer (holding or draining readers), or null. */
  get writerThreadId(): number | null {
    const w = Atomics.load(this.view, this.base + WRITER) & OWNER_MASK;
    return w === 0 ? null : threadIdOfOwner(w);
  }

  /** Current number of read holds. */
  get readers(): number {
    let n = 0;
    for (let i = 0; i < this.maxReaders; i++) if (Atomics.load(this.view, this.slotBase + i) !== 0) n++;
    return n;
  }

  /** True since a writer that may have been mid-write was recovered, until `markConsistent()`. */
  get inconsistent(): boolean {
    return Atomics.load(this.view, this.base + INCONSISTENT) !== 0;
  }

  /** Declares the protected data repaired. Only the write holder may call it. */
  markConsistent(): void {
    if (Atomics.load(this.view, this.base + WRITER) !== (SELF_OWNER_ID | ACTIVE))
      throw new NotOwnerError('RwLock.markConsistent');
    Atomics.store(this.view, this.base + INCONSISTENT, 0);
  }

  /** Holds (read or write) cleared because their owner died. */
  get recoveries(): number {
    return Atomics.load(this.view, this.base + RECOVERIES);
  }

  // ---- internals used by the wait steps -------------------------------------

  /** @internal */ get words(): Int32Array {
    return this.view;
  }
  /** @internal */ get baseIndex(): number {
    return this.base;
  }

  /** @internal Index (into the view) of a slot holding `owner`, or -1. */
  findSlot(owner: number): number {
    for (let i = 0; i < this.maxReaders; i++) {
      const slot = this.slotBase + ((this.hint + i) % this.maxReaders);
      if (Atomics.load(this.view, slot) === owner) return slot;
    }
    return -1;
  }

  /** @internal True if the calling thread holds a read slot besides `mine`. */
  holdsSlotOtherThan(mine: number): boolean {
    for (let i = 0; i < this.maxReaders; i++) {
      const slot = this.slotBase + i;
      if (slot !== mine && Atomics.load(this.view, slot) === SELF_OWNER_ID) return true;
    }
    return false;
  }

  /** @internal Claims a free slot and publishes it in the bitmask; -1 if all are taken. */
  claimSlot(): number {
    for (let i = 0; i < this.maxReaders; i++) {
      const slot = this.slotBase + ((this.hint + i) % this.maxReaders);
      if (Atomics.compareExchange(this.view, slot, 0, SELF_OWNER_ID) === 0) {
        const n = slot - this.slotBase;
        Atomics.or(this.view, this.maskBase + ((n / BITS) | 0), 1 << (n % BITS));
        return slot;
      }
    }
    return -1;
  }

  /** @internal Gives back a slot taken by `claimSlot` (reader backing off for a writer). */
  releaseSlot(slot: number): void {
    this.clearBit(slot);
    Atomics.store(this.view, slot, 0);
    Atomics.add(this.view, this.base + DRAIN, 1);
    Atomics.notify(this.view, this.base + DRAIN);
  }

  /** @internal True when no read hold is published. */
  noReaders(): boolean {
    for (let i = 0; i < this.maskWords; i++) if (Atomics.load(this.view, this.maskBase + i) !== 0) return false;
    return true;
  }

  /** @internal Clears read holds of dead threads. */
  clearDeadReaders(): boolean {
    if (!this.registry) return false;
    let cleared = false;
    for (let i = 0; i < this.maxReaders; i++) {
      const slot = this.slotBase + i;
      const owner = Atomics.load(this.view, slot);
      if (owner === 0 || !this.registry.ownerExited(owner)) continue;
      // Bit first: while the slot still names the dead owner nobody can reuse it.
      this.clearBit(slot);
      if (Atomics.compareExchange(this.view, slot, owner, 0) === owner) {
        Atomics.add(this.view, this.base + RECOVERIES, 1);
        cleared = true;
      }
    }
    if (cleared) {
      Atomics.add(this.view, this.base + DRAIN, 1);
      Atomics.notify(this.view, this.base + DRAIN);
    }
    return cleared;
  }

  /**
   * @internal Frees the writer word if its owner is dead, replacing it with
   * `replacement` (0, or the caller's id when a writer steals it).
   */
  stealDeadWriter(replacement: number): boolean {
    const w = Atomics.load(this.view, this.base + WRITER);
    const owner = w & OWNER_MASK;
    if (owner === 0 || !this.registry?.ownerExited(owner)) return false;
    if (Atomics.compareExchange(this.view, this.base + WRITER, w, replacement) !== w) return false;
    if ((w & ACTIVE) !== 0) Atomics.store(this.view, this.base + INCONSISTENT, 1);
    Atomics.add(this.view, this.base + RECOVERIES, 1);
    Atomics.notify(this.view, this.base + WRITER);
    return true;
  }

  private clearBit(slot: number): void {
    const n = slot - this.slotBase;
    Atomics.and(this.view, this.maskBase + ((n / BITS) | 0), ~(1 << (n % BITS)));
  }

  private readStep(): ReadStep {
    return new ReadStep(this);
  }

  private checkNoOwnHold(what: string): void {
    if (
      (Atomics.load(this.view, this.base + WRITER) & OWNER_MASK) === SELF_OWNER_ID ||
      this.findSlot(SELF_OWNER_ID) >= 0
    ) {
      throw new DeadlockError(what);
    }
  }

  private policy(timeoutMs: number): WaitPolicy {
    return { timeoutMs, recoverAfterMs: this.registry ? this.recoverAfterMs : Infinity };
  }
}

class ReadStep implements WaitStep {
  readonly view: Int32Array;
  waitIndex = 0;
  waitValue = 0;
  private readonly base: number;

  constructor(private readonly lock: RwLock) {
    this.view = lock.words;
    this.base = lock.baseIndex;
  }

  attempt(): boolean {
    const writerIdx = this.base + WRITER;
    const w = Atomics.load(this.view, writerIdx);
    // A pending (not yet active) writer must still wait for our existing holds,
    // so a thread that already reads may take another hold instead of deadlocking.
    if (w !== 0 && ((w & ACTIVE) !== 0 || this.lock.findSlot(SELF_OWNER_ID) < 0)) return this.sleepOn(writerIdx, w);
    const seq = Atomics.load(this.view, this.base + DRAIN);
    const slot = this.lock.claimSlot();
    if (slot < 0) return this.sleepOn(this.base + DRAIN, seq);
    const w2 = Atomics.load(this.view, writerIdx);
    if (w2 === 0 || ((w2 & ACTIVE) === 0 && this.lock.holdsSlotOtherThan(slot))) return true;
    this.lock.releaseSlot(slot);
    return this.sleepOn(writerIdx, w2);
  }

  recover(): boolean {
    const stole = this.lock.stealDeadWriter(0);
    return this.lock.clearDeadReaders() || stole;
  }

  abandon(): void {}

  enterWait(): void {
    Atomics.add(this.view, this.base + SLEEPERS, 1);
  }

  leaveWait(): void {
    Atomics.sub(this.view, this.base + SLEEPERS, 1);
  }

  private sleepOn(index: number, value: number): false {
    this.waitIndex = index;
    this.waitValue = value;
    return false;
  }
}

class WriteStep implements WaitStep {
  readonly view: Int32Array;
  waitIndex = 0;
  waitValue = 0;
  private readonly base: number;
  /** True once this step owns the writer word and is waiting for readers to drain. */
  private claimed = false;

  constructor(private readonly lock: RwLock) {
    this.view = lock.words;
    this.base = lock.baseIndex;
  }

  attempt(): boolean {
    if (!this.claimed) {
      const seen = Atomics.compareExchange(this.view, this.base + WRITER, 0, SELF_OWNER_ID);
      if (seen !== 0) {
        this.waitIndex = this.base + WRITER;
        this.waitValue = seen;
        return false;
      }
      this.claimed = true;
    }
    const seq = Atomics.load(this.view, this.base + DRAIN);
    if (this.lock.noReaders()) {
      Atomics.store(this.view, this.base + WRITER, SELF_OWNER_ID | ACTIVE);
      return true;
    }
    this.waitIndex = this.base + DRAIN;
    this.waitValue = seq;
    return false;
  }

  recover(): boolean {
    if (this.claimed) return this.lock.clearDeadReaders();
    if (this.lock.stealDeadWriter(SELF_OWNER_ID)) {
      this.claimed = true;
      return true;
    }
    return this.lock.clearDeadReaders();
  }

  abandon(): void {
    if (!this.claimed) return;
    this.claimed = false;
    Atomics.compareExchange(this.view, this.base + WRITER, SELF_OWNER_ID, 0);
    Atomics.notify(this.view, this.base + WRITER);
  }

  enterWait(): void {
    Atomics.add(this.view, this.base + SLEEPERS, 1);
  }

  leaveWait(): void {
    Atomics.sub(this.view, this.base + SLEEPERS, 1);
  }
}
