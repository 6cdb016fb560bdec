/**
 * A table of thread ids in shared memory that records which threads are alive
 * and which are known to be dead. Locks consult it to decide whether a lock
 * word naming an unresponsive owner may be stolen.
 *
 * Node never reuses a threadId within a process, so a "dead" record stays true
 * forever; that is what makes stealing by compare-and-swap safe. Deaths are
 * also kept as one bit per thread id (threadIds are small and sequential), so
 * a dead thread stays dead when its record is reused for a newer thread: a
 * lock it died holding is still recovered, however many threads came after.
 *
 * A death is known from `markDead` (a Worker's 'exit' event, see `watch`), or
 * from the operating system: each thread that builds a lock over the registry
 * (or registers) records its kernel thread id, and a waiter that has waited
 * past its recovery bound asks whether that kernel thread still exists
 * (`reap`). This second way needs no event loop to run, so it also works for
 * the main thread blocked on a lock whose holder it just terminated; it needs
 * Linux's /proc (elsewhere only markDead counts).
 */
import type { Worker } from 'node:worker_threads';
import { LayoutError, RegistryFullError } from './errors';
import { SELF_THREAD_ID, isSharedArrayBuffer, osThreadGone, osThreadId, ownerIdOf } from './platform';

const MAGIC = 0x54524547; // 'TREG'
const HDR_MAGIC = 0;
const HDR_CAPACITY = 1;
const HDR_DEATHS = 2;
/** Thread ids the dead-id bitmap covers (a multiple of 32). */
const HDR_DEAD_IDS = 3;
const HEADER_WORDS = 4;
const SLOT_WORDS = 4; // ownerId, state, beats, kernel thread id
const S_OWNER = 0;
/** 0: the thread only recorded its kernel thread id (not registered, not listed); or ALIVE, DEAD. */
const S_STATE = 1;
const S_BEATS = 2;
/** The thread's kernel thread id (Linux), written by the thread itself; 0 if unknown. */
const S_OS_TID = 3;

const STATE_ALIVE = 1;
const STATE_DEAD = 2;

export type ThreadStatus = 'alive' | 'dead' | 'unknown';

export interface ThreadInfo {
  threadId: number;
  status: 'alive' | 'dead';
  /** Number of heartbeats the thread has recorded since it registered. */
  beats: number;
  /** `Date.now()` of the last heartbeat (or of registration). */
  lastBeatAt: number;
}

/** Plain object that postMessage can carry; pass it to `ThreadRegistry.attach` in another thread. */
export interface ThreadRegistryHandle {
  readonly kind: 'thread-registry';
  readonly buffer: SharedArrayBuffer;
}

export interface ThreadRegistryOptions {
  /** Number of slots (live plus remembered dead threads). Default 256. */
  capacity?: number;
  /**
   * Thread ids below this are remembered dead without a record (one bit
   * each). Default 2^20 (128 KiB): a process starts fewer threads than that.
   */
  deadIds?: number;
}

const DEFAULT_DEAD_IDS = 1 << 20;

/** This thread's shared registry (see `ThreadRegistry.shared`). */
let sharedRegistry: ThreadRegistry | undefined;
/** Registries (by buffer) this thread has recorded its kernel thread id in. */
const recordedIn = new WeakSet<SharedArrayBuffer>();

export class ThreadRegistry {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly words: Int32Array;
  private readonly beatTimes: BigInt64Array;
  /** Bit `id` set: thread `id` is dead. */
  private readonly deadBits: Int32Array;
  private readonly deadIds: number;
  private ownSlot = -1;

  static create(options: ThreadRegistryOptions = {}): ThreadRegistry {
    const capacity = options.capacity ?? 256;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20) {
      throw new RangeError(`thread registry capacity must be an integer in 1..${1 << 20}`);
    }
    const deadIds = options.deadIds ?? DEFAULT_DEAD_IDS;
    if (!Number.isInteger(deadIds) || deadIds < 0 || deadIds > 1 << 24) {
      throw new RangeError(`thread registry deadIds must be an integer in 0..${1 << 24}`);
    }
    const deadWords = Math.ceil(deadIds / 32);
    const buffer = new SharedArrayBuffer(ThreadRegistry.byteLengthFor(capacity, deadWords));
    const words = new Int32Array(buffer);
    words[HDR_CAPACITY] = capacity;
    words[HDR_DEAD_IDS] = deadWords * 32;
    Atomics.store(words, HDR_MAGIC, MAGIC);
    return new ThreadRegistry(buffer);
  }

  static attach(handle: ThreadRegistryHandle): ThreadRegistry {
    return new ThreadRegistry(handle.buffer);
  }

  /**
   * The registry libraries share by default in this thread (created on first use): a
   * thread runtime records here the deaths of the worker threads it starts, so locks
   * that default to it (ETS tables') are recovered from those threads too.
   */
  static shared(): ThreadRegistry {
    return (sharedRegistry ??= ThreadRegistry.create());
  }

  /** Makes `handle`'s registry this thread's shared one (a worker taking its parent's), unless it has one already. */
  static adoptShared(handle: ThreadRegistryHandle): ThreadRegistry {
    return (sharedRegistry ??= ThreadRegistry.attach(handle));
  }

  private static byteLengthFor(capacity: number, deadWords: number): number {
    // Int32 header + slots, then 8-byte aligned Int64 heartbeat times, then the dead-id bitmap.
    const intBytes = (HEADER_WORDS + capacity * SLOT_WORDS) * 4;
    return align8(intBytes) + capacity * 8 + deadWords * 4;
  }

  private constructor(buffer: SharedArrayBuffer) {
    if (!isSharedArrayBuffer(buffer))
      throw new LayoutError('thread registry: handle.buffer is not a SharedArrayBuffer');
    const head = new Int32Array(buffer, 0, HEADER_WORDS);
    if (Atomics.load(head, HDR_MAGIC) !== MAGIC)
      throw new LayoutError('thread registry: buffer does not hold a registry');
    this.capacity = head[HDR_CAPACITY]!;
    this.deadIds = head[HDR_DEAD_IDS]!;
    if (buffer.byteLength < ThreadRegistry.byteLengthFor(this.capacity, this.deadIds / 32))
      throw new LayoutError('thread registry: buffer too small');
    this.buffer = buffer;
    this.words = new Int32Array(buffer, 0, HEADER_WORDS + this.capacity * SLOT_WORDS);
    this.beatTimes = new BigInt64Array(buffer, align8(this.words.byteLength), this.capacity);
    this.deadBits = new Int32Array(buffer, this.beatTimes.byteOffset + this.beatTimes.byteLength, this.deadIds / 32);
  }

  handle(): ThreadRegistryHandle {
    return { kind: 'thread-registry', buffer: this.buffer };
  }

  /**
   * Records `threadIdValue` (default: the calling thread) as alive. Idempotent.
   * Registration is only needed for heartbeats and listings: lock recovery works
   * for unregistered threads too, because `markDead` records them.
   */
  register(threadIdValue: number = SELF_THREAD_ID): void {
    const owner = ownerIdOf(threadIdValue);
    let slot = this.findSlot(owner);
    if (slot < 0) slot = this.claimSlot(owner);
    const base = slotBase(slot);
    if (threadIdValue === SELF_THREAD_ID) this.recordOsThread(slot);
    // Never resurrect a thread already reported dead.
    Atomics.compareExchange(this.words, base + S_STATE, 0, STATE_ALIVE);
    Atomics.store(this.beatTimes, slot, BigInt(Date.now()));
    if (threadIdValue === SELF_THREAD_ID) this.ownSlot = slot;
  }

  /**
   * @internal Records the calling thread's kernel thread id, once per thread
   * and registry, without registering it (it is not listed). Locks call it
   * when built over this registry, so a thread records it before it can hold
   * one. Best effort: with no kernel id to read, or a full table, nothing is
   * recorded and only `markDead` can report this thread's death.
   */
  recordSelf(): void {
    if (recordedIn.has(this.buffer)) return;
    recordedIn.add(this.buffer);
    if (osThreadId() === 0) return;
    const owner = ownerIdOf(SELF_THREAD_ID);
    let slot = this.findSlot(owner);
    if (slot < 0) {
      try {
        slot = this.claimSlot(owner);
      } catch (error) {
        if (error instanceof RegistryFullError) return;
        throw error;
      }
    }
    this.recordOsThread(slot);
  }

  private recordOsThread(slot: number): void {
    recordedIn.add(this.buffer);
    Atomics.store(this.words, slotBase(slot) + S_OS_TID, osThreadId());
  }

  /** Bumps the calling thread's beat counter and timestamp (registers it first if needed). */
  heartbeat(): void {
    if (this.ownSlot < 0 || Atomics.load(this.words, slotBase(this.ownSlot) + S_OWNER) !== ownerIdOf(SELF_THREAD_ID)) {
      this.register();
    }
    Atomics.add(this.words, slotBase(this.ownSlot) + S_BEATS, 1);
    Atomics.store(this.beatTimes, this.ownSlot, BigInt(Date.now()));
  }

  /**
   * Declares a thread dead; call it from the Worker's 'exit' event (see `watch`).
   * Locks whose owner is dead become stealable by waiters after their recovery bound.
   * Only call it for a thread that can no longer touch shared memory.
   */
  markDead(threadIdValue: number): void {
    if (!Number.isInteger(threadIdValue) || threadIdValue < 0)
      throw new RangeError(`markDead: invalid threadId ${threadIdValue}`);
    const owner = ownerIdOf(threadIdValue);
    // The bit first: it outlives the record, which a newer thread may take over.
    const known = this.deadBit(threadIdValue);
    if (threadIdValue < this.deadIds) Atomics.or(this.deadBits, threadIdValue >> 5, 1 << (threadIdValue & 31));
    let slot = this.findSlot(owner);
    if (slot < 0) slot = this.claimSlot(owner);
    const prev = Atomics.exchange(this.words, slotBase(slot) + S_STATE, STATE_DEAD);
    if (prev !== STATE_DEAD && !known) Atomics.add(this.words, HDR_DEATHS, 1);
  }

  /**
   * Calls `markDead(worker.threadId)` when the worker exits, however it exits.
   * The id is captured now because `worker.threadId` reads -1 once the thread is gone.
   */
  watch(worker: Worker): Worker {
    const id = worker.threadId;
    if (id >= 0) worker.once('exit', () => this.markDead(id));
    return worker;
  }

  status(threadIdValue: number): ThreadStatus {
    if (this.deadBit(threadIdValue)) return 'dead';
    const slot = this.findSlot(ownerIdOf(threadIdValue));
    if (slot < 0) return 'unknown';
    const state = Atomics.load(this.words, slotBase(slot) + S_STATE);
    return state === STATE_DEAD ? 'dead' : state === STATE_ALIVE ? 'alive' : 'unknown';
  }

  /**
   * Records `threadIdValue` dead if the operating system says its thread has
   * exited, and returns whether it is now recorded dead. Only Linux says so,
   * and only of a thread that recorded its kernel thread id here (by
   * `register()`, or by building a lock over this registry); otherwise this
   * is `status(threadIdValue) === 'dead'`. Unlike a silence (`staleThreads`),
   * an exited thread can no longer touch shared memory, so this is as final
   * as the 'exit' event. Costs a system call for a thread not yet known dead.
   */
  reap(threadIdValue: number): boolean {
    if (this.status(threadIdValue) === 'dead') return true;
    const owner = ownerIdOf(threadIdValue);
    const slot = this.findSlot(owner);
    if (slot < 0) return false;
    // A record is taken over only once its thread is dead, and the new owner's id
    // is stored only after its kernel id is cleared: a kernel id read here is this
    // thread's, or belongs to a record whose thread is dead anyway.
    const tid = Atomics.load(this.words, slotBase(slot) + S_OS_TID);
    if (tid === 0 || !osThreadGone(tid)) return false;
    this.markDead(threadIdValue);
    return true;
  }

  /**
   * @internal What a waiter past its recovery bound asks of a lock word's
   * owner: recorded dead, or its thread gone (then recorded dead).
   */
  ownerExited(ownerId: number): boolean {
    return this.isOwnerDead(ownerId) || (ownerId > 0 && this.reap(ownerId - 1));
  }

  /** Lock-word form of `status(...) === 'dead'` (lock words hold threadId + 1). */
  isOwnerDead(ownerId: number): boolean {
    if (ownerId <= 0) return false;
    if (this.deadBit(ownerId - 1)) return true;
    const slot = this.findSlot(ownerId);
    return slot >= 0 && Atomics.load(this.words, slotBase(slot) + S_STATE) === STATE_DEAD;
  }

  /** Number of `markDead` calls that changed a thread's state. */
  get deaths(): number {
    return Atomics.load(this.words, HDR_DEATHS);
  }

  threads(): ThreadInfo[] {
    const out: ThreadInfo[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      const base = slotBase(slot);
      const owner = Atomics.load(this.words, base + S_OWNER);
      const state = Atomics.load(this.words, base + S_STATE);
      if (owner === 0 || (state !== STATE_ALIVE && state !== STATE_DEAD)) continue;
      out.push({
        threadId: owner - 1,
        status: state === STATE_ALIVE ? 'alive' : 'dead',
        beats: Atomics.load(this.words, base + S_BEATS),
        lastBeatAt: Number(Atomics.load(this.beatTimes, slot)),
      });
    }
    return out;
  }

  /**
   * Live threads whose last heartbeat is older than `maxSilenceMs`. The registry
   * does not act on this: a silent thread may still be inside a critical section,
   * so the caller decides (typically terminate the worker, whose exit then marks it dead).
   */
  staleThreads(maxSilenceMs: number): number[] {
    const cutoff = Date.now() - maxSilenceMs;
    return this.threads()
      .filter((t) => t.status === 'alive' && t.lastBeatAt < cutoff)
      .map((t) => t.threadId);
  }

  private deadBit(threadIdValue: number): boolean {
    return (
      threadIdValue >= 0 &&
      threadIdValue < this.deadIds &&
      (Atomics.load(this.deadBits, threadIdValue >> 5) & (1 << (threadIdValue & 31))) !== 0
    );
  }

  private findSlot(owner: number): number {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (Atomics.load(this.words, slotBase(slot) + S_OWNER) === owner) return slot;
    }
    return -1;
  }

  private claimSlot(owner: number): number {
    for (;;) {
      for (let slot = 0; slot < this.capacity; slot++) {
        if (Atomics.compareExchange(this.words, slotBase(slot) + S_OWNER, 0, owner) === 0) return slot;
      }
      // Full: reuse the record of the oldest dead thread (lowest id, since ids only grow).
      // Its death stays in the bitmap (for ids below deadIds): a lock it still holds is
      // still recovered.
      let victim = -1;
      let victimOwner = 0;
      for (let slot = 0; slot < this.capacity; slot++) {
        const base = slotBase(slot);
        const o = Atomics.load(this.words, base + S_OWNER);
        if (o === owner) return slot; // claimed concurrently by another caller for the same thread
        if (Atomics.load(this.words, base + S_STATE) === STATE_DEAD && (victim < 0 || o < victimOwner)) {
          victim = slot;
          victimOwner = o;
        }
      }
      if (victim < 0) {
        // No record of a known death: look for threads that exited unreported.
        if (this.reapAll()) continue;
        throw new RegistryFullError(this.capacity);
      }
      const base = slotBase(victim);
      // Clear the state first so a concurrent lookup never sees the new owner as dead.
      if (Atomics.compareExchange(this.words, base + S_OWNER, victimOwner, -1) === victimOwner) {
        Atomics.store(this.words, base + S_STATE, 0);
        Atomics.store(this.words, base + S_BEATS, 0);
        Atomics.store(this.words, base + S_OS_TID, 0);
        Atomics.store(this.words, base + S_OWNER, owner);
        return victim;
      }
    }
  }

  /** Reaps every recorded thread whose kernel thread has exited; true if any was. */
  private reapAll(): boolean {
    let reaped = false;
    for (let slot = 0; slot < this.capacity; slot++) {
      const base = slotBase(slot);
      const owner = Atomics.load(this.words, base + S_OWNER);
      if (owner > 0 && Atomics.load(this.words, base + S_STATE) !== STATE_DEAD && this.reap(owner - 1)) reaped = true;
    }
    return reaped;
  }
}

function slotBase(slot: number): number {
  return HEADER_WORDS + slot * SLOT_WORDS;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
