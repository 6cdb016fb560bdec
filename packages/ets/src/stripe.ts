/**
 * One lock stripe of a table: a seqlock (whose robust mutex serialises the
 * stripe's writers), a record heap, a hash index and, for ordered_set, a key
 * order. A key belongs to the stripe picked by the top bits of its hash, so
 * writers of different stripes never contend.
 *
 * Readers either take the stripe mutex (readConcurrency off) or read
 * optimistically: note the sequence, read, and retry if a writer moved it
 * (readConcurrency on). Writers hold the mutex and keep the sequence odd
 * while they change anything.
 *
 * The hash index (with bag chains) is the truth about what the stripe holds;
 * every publish is one atomic store there. When a stripe's mutex is stolen
 * from a dead thread, `repair` (repair.ts) finishes or undoes what the thread
 * was doing and rebuilds everything else (order, free lists, counters) from
 * the index and from a walk of the stripe's chunks.
 */
import { SeqLock, type ThreadRegistry } from '@erlmcp/shm';
import { isMainThread } from 'node:worker_threads';
import { HashIndex } from './hash-index';
import {
  BIG,
  FLAG_MASK,
  H_CACHE_EPOCH,
  HEADER_WORDS,
  RECORD_HEADER,
  R_HASH,
  R_LINK,
  S_DOOMED,
  S_CHANGES,
  S_FRESH,
  S_KEYS,
  S_LIVE,
  S_LOCK,
  S_OBJECTS,
  S_REPAIRS,
  S_TX,
  STRIPE_WORDS,
  TUPLE,
  align8,
} from './layout';
import type { TableMemory } from './memory';
import { OrderIndex } from './order-index';
import { RecordHeap } from './record-heap';
// type cycle: repair.ts and transaction.ts name Stripe as a type only; this is the one run-time edge.
import { repair, type Replayer } from './repair';

/** How long the main thread spins for a stripe before giving up (workers block). */
export const MAIN_THREAD_LOCK_TIMEOUT_MS = 5000;

export class Stripe {
  readonly lock: SeqLock;
  readonly heap: RecordHeap;
  readonly index: HashIndex;
  readonly order: OrderIndex | null;
  /** Word index of the sequence number in the control buffer. */
  readonly seqIndex: number;
  /** Word index of the stripe's change count (S_CHANGES), which read caches validate against. */
  readonly changesIndex: number;
  /** Set by a write that only added keys: objects cached for the stripe's other keys stay valid. */
  private addedOnly = false;

  /** Stripe number (0-based). */
  readonly number: number;

  constructor(
    readonly ctl: Int32Array,
    readonly base: number,
    readonly mem: TableMemory,
    ordered: boolean,
    /** bag or duplicate_bag: records of one key chain through R_LINK. */
    readonly bag: boolean,
    private readonly registry: ThreadRegistry | undefined,
    private readonly replayer: Replayer,
  ) {
    this.number = (base - HEADER_WORDS) / STRIPE_WORDS;
    this.lock = new SeqLock(ctl, base + S_LOCK, { registry });
    this.seqIndex = base + S_LOCK;
    this.changesIndex = base + S_CHANGES;
    this.heap = new RecordHeap(ctl, base, mem);
    this.index = new HashIndex(ctl, base, mem);
    this.order = ordered ? new OrderIndex(ctl, base, mem) : null;
  }

  // ---- locking ---------------------------------------------------------------

  /** Takes the stripe for writing: mutex, repair if its last holder died, sequence odd. */
  writeLock(): void {
    this.addedOnly = false;
    this.acquire();
    this.lock.beginWrite();
    this.repairIfNeeded();
  }

  writeUnlock(): void {
    this.endWrite();
    this.lock.writerLock.unlock();
  }

  /** Takes the stripe's mutex for a locked read (readConcurrency off, or a reader giving up on optimism). */
  readLock(): void {
    this.acquire();
    if (this.lock.writerLock.inconsistent) {
      this.lock.beginWrite();
      this.repairIfNeeded(); // counts the repair as a change
      this.lock.endWrite();
    }
  }

  /** Marks the write in progress as one that only added keys absent before it (or changed nothing). */
  onlyAddedKeys(): void {
    this.addedOnly = true;
  }

  /**
   * Ends a write (mutex still held). Unless it only added keys, the change
   * count moves first, while the sequence is still odd: a reader that sees the
   * write's data (the sequence even again) sees the new count. Before the
   * count wraps back to 0 the cache epoch moves, so no cached stamp can match again.
   */
  private endWrite(): void {
    if (!this.addedOnly) this.bumpChanges();
    this.addedOnly = false;
    this.lock.endWrite();
  }

  private bumpChanges(): void {
    // Only the mutex holder moves the count. The epoch moves *before* the count
    // wraps back to 0 (a stamp of 2^32 changes ago): a cache hit, which loads
    // the count and then the epoch, that sees the wrapped count sees the new epoch.
    if (Atomics.load(this.ctl, this.changesIndex) === -1) Atomics.add(this.ctl, H_CACHE_EPOCH, 1);
    Atomics.add(this.ctl, this.changesIndex, 1);
  }

  readUnlock(): void {
    this.lock.writerLock.unlock();
  }

  private acquire(): void {
    const mutex = this.lock.writerLock;
    // A stripe taken by a multi-stripe write (S_TX set) may be one of several
    // a dead writer held: steal it now rather than after the mutex's recovery
    // wait, which would add up stripe after stripe. (Only then: asking the
    // registry costs microseconds, too much for every contended acquire.)
    const registry = this.registry;
    if (
      !mutex.tryLock() &&
      !(registry !== undefined && this.inTransaction() && registry.deaths !== 0 && mutex.tryRecover())
    ) {
      if (isMainThread) mutex.lockSpin(MAIN_THREAD_LOCK_TIMEOUT_MS);
      else mutex.lock();
    }
    // Another thread may have grown the arena (and put this stripe's chunks past our views).
    this.mem.refresh();
  }

  /** Whether a multi-stripe write holds (or held) this stripe; a hint, read without the lock. */
  private inTransaction(): boolean {
    return Atomics.load(this.ctl, this.base + S_TX) !== 0;
  }

  private repairIfNeeded(): void {
    if (!this.lock.writerLock.inconsistent) return;
    repair(this, this.replayer);
    // Whatever the dead writer was doing is finished or undone: a change, even if this write only adds keys.
    this.bumpChanges();
    this.lock.writerLock.markConsistent();
  }

  // ---- counters --------------------------------------------------------------

  get keys(): number {
    return this.ctl[this.base + S_KEYS]!;
  }

  get objects(): number {
    return this.ctl[this.base + S_OBJECTS]!;
  }

  get liveBytes(): number {
    return this.ctl[this.base + S_LIVE]!;
  }

  get repairs(): number {
    return this.ctl[this.base + S_REPAIRS]!;
  }

  // ---- records ---------------------------------------------------------------

  /**
   * Writes a record (not yet published): header, key encoding, tuple bytes.
   * Returns its offset, or 0 when the table is full. A BIG record is named by
   * `view[index]` from the moment it is allocated: S_FRESH by default, a
   * transaction's plan entry for a multi-object write.
   */
  writeRecord(
    h: number,
    kb: Uint8Array,
    kl: number,
    tuple: Uint8Array,
    whole: boolean,
    view = this.ctl,
    index = this.base + S_FRESH,
  ): number {
    const total = RECORD_HEADER + kl + tuple.length;
    const size = align8(Math.max(total, 16));
    const off = this.heap.alloc(size, view, index);
    if (off === 0) return 0;
    const i32 = this.mem.i32;
    const u8 = this.mem.u8;
    if (whole) i32[off >> 2] |= TUPLE;
    i32[(off >> 2) + R_HASH] = h;
    i32[(off >> 2) + R_LINK] = size - total;
    const k = off + RECORD_HEADER;
    for (let i = 0; i < kl; i++) u8[k + i] = kb[i]!;
    u8.set(tuple, k + kl);
    return off;
  }

  /** Counts a record just published (a BIG one is no longer in flight). */
  added(off: number): void {
    const w0 = this.mem.i32[off >> 2]!;
    this.ctl[this.base + S_OBJECTS]++;
    this.ctl[this.base + S_LIVE] += w0 & ~FLAG_MASK;
    if ((w0 & BIG) !== 0 && this.ctl[this.base + S_FRESH] === off) this.ctl[this.base + S_FRESH] = 0;
  }

  /** Next record of the same key (bags), 0 at the end of the chain. */
  link(off: number): number {
    return Atomics.load(this.mem.i32, (off >> 2) + R_LINK) & ~FLAG_MASK;
  }

  /** Points `off`'s chain link at `next`, keeping its padding bits. */
  setLink(off: number, next: number): void {
    const i32 = this.mem.i32;
    Atomics.store(i32, (off >> 2) + R_LINK, next | (i32[(off >> 2) + R_LINK]! & FLAG_MASK));
  }

  // ---- unpublishing ---------------------------------------------------------

  /**
   * Before records are unpublished: if any of them is BIG (the chain from
   * `head` when `chain`, else `head` alone), S_DOOMED names `head`, so that a
   * repair can still free what is unpublished and not yet freed.
   */
  doom(head: number, chain: boolean): void {
    const i32 = this.mem.i32;
    for (let cur = head; cur !== 0; cur = chain ? this.link(cur) : 0) {
      if ((i32[cur >> 2]! & BIG) !== 0) {
        this.ctl[this.base + S_DOOMED] = head;
        return;
      }
    }
  }

  /** Uncounts and frees an unpublished record; `next` is the rest of a doomed chain (0 at its end). */
  release(off: number, next: number): void {
    this.ctl[this.base + S_OBJECTS]--;
    this.ctl[this.base + S_LIVE] -= this.mem.i32[off >> 2]! & ~FLAG_MASK;
    if (this.ctl[this.base + S_DOOMED] === off) this.heap.freeFrom(this.ctl, this.base + S_DOOMED, next);
    else this.heap.free(off);
  }
}
