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
 * from a dead thread, `repair` rebuilds everything else (order, free lists,
 * counters) from it and from a walk of the stripe's chunks.
 */
import { SeqLock, type ThreadRegistry } from '@erlmcp/shm';
import { isMainThread } from 'node:worker_threads';
import { HashIndex } from './hash-index';
import { compareBytes, skipKey } from './key-codec';
import {
  BIG,
  FLAG_MASK,
  MAX_SMALL_RECORD,
  RECORD_HEADER,
  R_HASH,
  R_LINK,
  S_KEYS,
  S_LIVE,
  S_LOCK,
  S_OBJECTS,
  S_REPAIRS,
  TUPLE,
  USED,
  align8,
} from './layout';
import type { TableMemory } from './memory';
import { OrderIndex } from './order-index';
import { RecordHeap } from './record-heap';

/** How long the main thread spins for a stripe before giving up (workers block). */
export const MAIN_THREAD_LOCK_TIMEOUT_MS = 5000;

export class Stripe {
  readonly lock: SeqLock;
  readonly heap: RecordHeap;
  readonly index: HashIndex;
  readonly order: OrderIndex | null;
  /** Word index of the sequence number in the control buffer. */
  readonly seqIndex: number;

  constructor(
    readonly ctl: Int32Array,
    readonly base: number,
    readonly mem: TableMemory,
    ordered: boolean,
    private readonly bag: boolean,
    private readonly registry: ThreadRegistry | undefined,
  ) {
    this.lock = new SeqLock(ctl, base + S_LOCK, { registry });
    this.seqIndex = base + S_LOCK;
    this.heap = new RecordHeap(ctl, base, mem);
    this.index = new HashIndex(ctl, base, mem);
    this.order = ordered ? new OrderIndex(ctl, base, mem) : null;
  }

  // ---- locking ---------------------------------------------------------------

  /** Takes the stripe for writing: mutex, repair if its last holder died, sequence odd. */
  writeLock(): void {
    this.acquire();
    this.lock.beginWrite();
    this.repairIfNeeded();
  }

  writeUnlock(): void {
    this.lock.endWrite();
    this.lock.writerLock.unlock();
  }

  /** Takes the stripe's mutex for a locked read (readConcurrency off, or a reader giving up on optimism). */
  readLock(): void {
    this.acquire();
    if (this.lock.writerLock.inconsistent) {
      this.lock.beginWrite();
      this.repairIfNeeded();
      this.lock.endWrite();
    }
  }

  readUnlock(): void {
    this.lock.writerLock.unlock();
  }

  private acquire(): void {
    const mutex = this.lock.writerLock;
    // Once some thread has died, a taken lock may be one of several a dead
    // writer held (a multi-stripe write): steal it now rather than after the
    // mutex's recovery wait, which would add up stripe after stripe.
    if (!mutex.tryLock() && !(this.registry !== undefined && this.registry.deaths !== 0 && mutex.tryRecover())) {
      if (isMainThread) mutex.lockSpin(MAIN_THREAD_LOCK_TIMEOUT_MS);
      else mutex.lock();
    }
    // Another thread may have grown the arena (and put this stripe's chunks past our views).
    this.mem.refresh();
  }

  private repairIfNeeded(): void {
    if (!this.lock.writerLock.inconsistent) return;
    this.repair();
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
   * Returns its offset, or 0 when the table is full.
   */
  writeRecord(h: number, kb: Uint8Array, kl: number, tuple: Uint8Array, whole: boolean): number {
    const total = RECORD_HEADER + kl + tuple.length;
    const size = align8(Math.max(total, 16));
    const off = this.heap.alloc(size);
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

  /** Counts a published record. */
  added(off: number): void {
    this.ctl[this.base + S_OBJECTS]++;
    this.ctl[this.base + S_LIVE] += this.mem.i32[off >> 2]! & ~FLAG_MASK;
  }

  /** Uncounts and frees an unpublished (or just unpublished) record. */
  removed(off: number): void {
    this.ctl[this.base + S_OBJECTS]--;
    this.ctl[this.base + S_LIVE] -= this.mem.i32[off >> 2]! & ~FLAG_MASK;
    this.heap.free(off);
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

  // ---- repair ----------------------------------------------------------------

  /**
   * Rebuilds the stripe after its mutex was stolen from a dead writer. Keeps
   * every record the hash index (and its chains) still reaches, drops index
   * entries that do not point at a record of theirs, then rebuilds the order,
   * the free lists and the counters. A record that was written but never
   * published goes back to the free lists.
   */
  repair(): void {
    const mem = this.mem;
    mem.refresh();
    const i32 = mem.i32;
    const starts = this.heap.blockStarts();
    const isRecord = (off: number, h: number): boolean => {
      if (off <= 0 || off % 8 !== 0 || off + 16 > mem.length) return false;
      const w0 = i32[off >> 2]!;
      const size = w0 & ~FLAG_MASK;
      if ((w0 & USED) === 0 || i32[(off >> 2) + R_HASH] !== h || off + size > mem.length) return false;
      if ((w0 & BIG) === 0) return starts.has(off);
      if (size <= MAX_SMALL_RECORD) return false;
      try {
        return mem.arena.usableSize(off) >= size;
      } catch {
        return false;
      }
    };
    const live = new Set<number>();
    const heads: Array<readonly [number, number]> = [];
    let liveBytes = 0;
    this.index.forEach((off) => {
      const h = i32[(off >> 2) + R_HASH]!;
      if (live.has(off) || !isRecord(off, h)) return;
      heads.push([h, off]);
      let prev = off;
      for (;;) {
        live.add(prev);
        liveBytes += i32[prev >> 2]! & ~FLAG_MASK;
        if (!this.bag) break;
        const next = this.link(prev);
        if (next === 0) break;
        if (live.has(next) || !isRecord(next, h)) {
          this.setLink(prev, 0);
          break;
        }
        prev = next;
      }
    });
    this.index.rebuild(heads);
    if (this.order !== null) {
      const u8 = mem.u8;
      const keyEnd = (off: number): number => skipKey(u8, off + RECORD_HEADER, off + (i32[off >> 2]! & ~FLAG_MASK));
      const sorted = heads.map(([, off]) => off);
      sorted.sort((a, b) => compareBytes(u8, a + RECORD_HEADER, keyEnd(a), u8, b + RECORD_HEADER, keyEnd(b)));
      this.order.rebuild(sorted);
    }
    this.heap.rebuild(live);
    this.ctl[this.base + S_OBJECTS] = live.size;
    this.ctl[this.base + S_LIVE] = liveBytes;
    this.ctl[this.base + S_REPAIRS]++;
  }
}
