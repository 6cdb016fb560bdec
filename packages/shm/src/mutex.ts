/**
 * A robust mutex on four Int32 words of a SharedArrayBuffer.
 *
 * The lock word holds the owner's `threadId + 1`, so when the owner dies a
 * waiter can prove it (through a ThreadRegistry) and steal the lock by CAS.
 * A stolen lock is flagged *inconsistent* (like POSIX robust mutexes'
 * EOWNERDEAD): the data it protects may be half-updated, and the flag stays set
 * until a holder repairs the data and calls `markConsistent()`.
 *
 * Ownership is per thread: two async tasks on one thread are the same owner.
 * The mutex is not recursive.
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

const OWNER = 0;
const WAITERS = 1;
const RECOVERIES = 2;
const INCONSISTENT = 3;

export interface MutexHandle extends LockHandleBase {
  readonly kind: 'mutex';
}

export class Mutex {
  /** Int32 words a mutex occupies. All-zero words are an unlocked mutex. */
  static readonly WORDS = 4;
  static readonly BYTES = Mutex.WORDS * 4;

  private readonly view: Int32Array;
  private readonly base: number;
  private readonly registry: ThreadRegistry | undefined;
  private readonly recoverAfterMs: number;

  /** A mutex in its own SharedArrayBuffer. */
  static create(options: LockOptions = {}): Mutex {
    return new Mutex(new Int32Array(new SharedArrayBuffer(Mutex.BYTES)), 0, options);
  }

  /** Rebuilds a mutex from `handle()` in another thread. */
  static attach(handle: MutexHandle): Mutex {
    const { view, options } = attachHandle('mutex', handle, Mutex.WORDS);
    return new Mutex(view, 0, options);
  }

  /** Uses words `index .. index + Mutex.WORDS - 1` of `view` (zeroed memory is unlocked). */
  constructor(view: Int32Array, index = 0, options: LockOptions = {}) {
    checkEmbedding('mutex', view, index, Mutex.WORDS);
    this.view = view;
    this.base = index;
    this.registry = options.registry;
    this.recoverAfterMs = options.recoverAfterMs ?? DEFAULT_RECOVER_AFTER_MS;
    // Before this thread can hold the lock: lets a waiter learn of its death from the OS.
    this.registry?.recordSelf();
  }

  handle(): MutexHandle {
    return {
      kind: 'mutex',
      buffer: this.view.buffer as SharedArrayBuffer,
      byteOffset: this.view.byteOffset + this.base * 4,
      registry: this.registry?.handle(),
      recoverAfterMs: this.recoverAfterMs,
    };
  }

  /** Takes the lock if it is free. Never waits, never steals. */
  tryLock(): boolean {
    return Atomics.compareExchange(this.view, this.base + OWNER, 0, SELF_OWNER_ID) === 0;
  }

  /**
   * Steals the lock now if the registry already records its holder as dead,
   * instead of after `recoverAfterMs` of waiting as `lock` does; for a caller
   * that met a failed `tryLock` after a death, e.g. one of several locks a
   * dead thread held. True if the caller now holds the lock (then
   * `inconsistent`). Never waits.
   */
  tryRecover(): boolean {
    return this.registry !== undefined && steal(this.view, this.base, this.registry, false) === SELF_OWNER_ID;
  }

  /**
   * Blocks with Atomics.wait until the lock is held. Worker threads only: on the
   * main thread use `lockAsync`, or `lockSpin` for very short critical sections.
   */
  lock(timeoutMs = Infinity): void {
    if (this.tryLock()) return;
    if (IS_MAIN_THREAD) throw new MainThreadBlockingError('Mutex.lock', 'lockAsync() or lockSpin()');
    this.checkNotHeld('Mutex.lock');
    if (!waitBlocking(new MutexStep(this.view, this.base, this.registry), this.policy(timeoutMs))) {
      throw new WaitTimeoutError('Mutex.lock', timeoutMs);
    }
  }

  /**
   * Spin-then-yield acquisition usable on any thread, for critical sections of
   * nanoseconds (a few loads and stores). On the main thread the wait stalls the
   * event loop, hence the finite default timeout.
   */
  lockSpin(timeoutMs = DEFAULT_SPIN_TIMEOUT_MS): void {
    if (this.tryLock()) return;
    this.checkNotHeld('Mutex.lockSpin');
    if (!waitSpinning(new MutexStep(this.view, this.base, this.registry), this.policy(timeoutMs))) {
      throw new WaitTimeoutError('Mutex.lockSpin', timeoutMs);
    }
  }

  /** Waits with Atomics.waitAsync; the event loop keeps running (and stays alive) meanwhile. */
  async lockAsync(timeoutMs = Infinity): Promise<void> {
    if (this.tryLock()) return;
    if (!(await waitAsync(new MutexStep(this.view, this.base, this.registry), this.policy(timeoutMs)))) {
      throw new WaitTimeoutError('Mutex.lockAsync', timeoutMs);
    }
  }

  unlock(): void {
    if (Atomics.compareExchange(this.view, this.base + OWNER, SELF_OWNER_ID, 0) !== SELF_OWNER_ID) {
      throw new NotOwnerError('Mutex.unlock');
    }
    if (Atomics.load(this.view, this.base + WAITERS) > 0) Atomics.notify(this.view, this.base + OWNER, 1);
  }

  /** Runs `fn` under the lock: blocking in workers, spin-then-yield on the main thread (keep `fn` short there). */
  withLock<T>(fn: () => T, timeoutMs?: number): T {
    if (IS_MAIN_THREAD) this.lockSpin(timeoutMs);
    else this.lock(timeoutMs);
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  async withLockAsync<T>(fn: () => T | Promise<T>, timeoutMs?: number): Promise<T> {
    await this.lockAsync(timeoutMs);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  get locked(): boolean {
    return Atomics.load(this.view, this.base + OWNER) !== 0;
  }

  /** Thread id of the holder, or null when free. */
  get ownerThreadId(): number | null {
    const owner = Atomics.load(this.view, this.base + OWNER);
    return owner === 0 ? null : threadIdOfOwner(owner);
  }

  /** True since the lock was last stolen from a dead owner, until `markConsistent()`. */
  get inconsistent(): boolean {
    return Atomics.load(this.view, this.base + INCONSISTENT) !== 0;
  }

  /** Declares the protected data repaired. Only the holder may call it. */
  markConsistent(): void {
    if (Atomics.load(this.view, this.base + OWNER) !== SELF_OWNER_ID) throw new NotOwnerError('Mutex.markConsistent');
    Atomics.store(this.view, this.base + INCONSISTENT, 0);
  }

  /** Times this lock was stolen from a dead owner (all threads, since creation). */
  get recoveries(): number {
    return Atomics.load(this.view, this.base + RECOVERIES);
  }

  private checkNotHeld(what: string): void {
    if (Atomics.load(this.view, this.base + OWNER) === SELF_OWNER_ID) throw new DeadlockError(what);
  }

  private policy(timeoutMs: number): WaitPolicy {
    return { timeoutMs, recoverAfterMs: this.registry ? this.recoverAfterMs : Infinity };
  }
}

/**
 * Takes the lock from a holder the registry records as dead (or, with
 * `askOs`, whose thread the OS shows has exited), flagging it inconsistent.
 * Returns SELF_OWNER_ID if this thread took it, 0 if there was nothing to
 * steal, -1 if another thread moved the lock word first.
 */
function steal(view: Int32Array, base: number, registry: ThreadRegistry, askOs: boolean): number {
  const owner = Atomics.load(view, base + OWNER);
  if (owner === 0 || owner === SELF_OWNER_ID || !(askOs ? registry.ownerExited(owner) : registry.isOwnerDead(owner)))
    return 0;
  if (Atomics.compareExchange(view, base + OWNER, owner, SELF_OWNER_ID) !== owner) return -1;
  Atomics.store(view, base + INCONSISTENT, 1);
  Atomics.add(view, base + RECOVERIES, 1);
  return SELF_OWNER_ID;
}

class MutexStep implements WaitStep {
  waitIndex: number;
  waitValue = 0;
  private acquired = false;

  constructor(
    readonly view: Int32Array,
    private readonly base: number,
    private readonly registry: ThreadRegistry | undefined,
  ) {
    this.waitIndex = base + OWNER;
  }

  attempt(): boolean {
    if (this.acquired) return true;
    const seen = Atomics.compareExchange(this.view, this.base + OWNER, 0, SELF_OWNER_ID);
    if (seen === 0) return (this.acquired = true);
    this.waitValue = seen;
    return false;
  }

  recover(): boolean {
    if (this.registry === undefined) return false;
    const result = steal(this.view, this.base, this.registry, true);
    if (result === SELF_OWNER_ID) this.acquired = true;
    return result !== 0;
  }

  abandon(): void {}

  enterWait(): void {
    Atomics.add(this.view, this.base + WAITERS, 1);
  }

  leaveWait(): void {
    Atomics.sub(this.view, this.base + WAITERS, 1);
    // If we were woken but give up (timeout), pass the wake-up on.
    if (
      !this.acquired &&
      Atomics.load(this.view, this.base + OWNER) === 0 &&
      Atomics.load(this.view, this.base + WAITERS) > 0
    ) {
      Atomics.notify(this.view, this.base + OWNER, 1);
    }
  }
}
