import { extendsProbe } from './key-codec';
/**
 * A stripe's hash index: open addressing with linear probing over an arena
 * block of [hash, record] slots. A key is published by one atomic store of its
 * record offset into a slot (the hash is written first), so a reader never
 * sees a half-made entry. Deletion shifts later entries back (no tombstones).
 *
 * `find` is safe on memory that a writer is changing (optimistic readers call
 * it under a seqlock): every probe is bounded and every offset is range-checked,
 * and an impossible state is reported as ANOMALY rather than followed.
 */
import { INDEX_HEADER_WORDS, MIN_INDEX_CAPACITY, RECORD_HEADER, R_HASH, S_INDEX, S_KEYS } from './layout';
import { swapBlock } from './in-flight';
import type { TableMemory } from './memory';

export const ANOMALY = -1;

export class HashIndex {
  /** After `find`: the slot holding the key, or the empty slot where it would go (-1 when there is no index). */
  slot = -1;

  constructor(
    private readonly ctl: Int32Array,
    private readonly base: number,
    private readonly mem: TableMemory,
  ) {}

  get keys(): number {
    return this.ctl[this.base + S_KEYS]!;
  }

  get capacity(): number {
    const block = Atomics.load(this.ctl, this.base + S_INDEX);
    return block === 0 ? 0 : this.mem.i32[block >> 2]!;
  }

  /** Bytes of the index block. */
  get bytes(): number {
    const cap = this.capacity;
    return cap === 0 ? 0 : (INDEX_HEADER_WORDS + cap * 2) * 4;
  }

  /**
   * Record offset of the first record with this key, 0 if absent, ANOMALY if
   * the index looked impossible (a torn optimistic read, or stale views).
   */
  find(h: number, kb: Uint8Array, kl: number): number {
    const block = Atomics.load(this.ctl, this.base + S_INDEX);
    this.slot = -1;
    if (block === 0) return 0;
    const i32 = this.mem.i32;
    const u8 = this.mem.u8;
    const cap = i32[block >> 2]!;
    const slots = (block >> 2) + INDEX_HEADER_WORDS;
    if (cap < MIN_INDEX_CAPACITY || (cap & (cap - 1)) !== 0 || slots + cap * 2 > i32.length) return ANOMALY;
    const mask = cap - 1;
    let s = h & mask;
    for (let n = 0; n < cap; n++) {
      const off = Atomics.load(i32, slots + s * 2 + 1);
      if (off === 0) {
        this.slot = s;
        return 0;
      }
      if (i32[slots + s * 2] === h) {
        const k = off + RECORD_HEADER;
        if (off < 0 || k + kl > u8.length) return ANOMALY;
        let i = 0;
        while (i < kl && u8[k + i] === kb[i]) i++;
        if (i === kl && !extendsProbe(u8, k, kb, kl)) {
          this.slot = s;
          return off;
        }
      }
      s = (s + 1) & mask;
    }
    return ANOMALY;
  }

  /** Record offset in `slot` (writer side). */
  at(slot: number): number {
    const block = this.ctl[this.base + S_INDEX]!;
    return this.mem.i32[(block >> 2) + INDEX_HEADER_WORDS + slot * 2 + 1]!;
  }

  /** Publishes `off` under hash `h` in the empty `slot` returned by `find`. */
  publish(slot: number, h: number, off: number): void {
    const base = (this.ctl[this.base + S_INDEX]! >> 2) + INDEX_HEADER_WORDS + slot * 2;
    this.mem.i32[base] = h;
    Atomics.store(this.mem.i32, base + 1, off);
    this.ctl[this.base + S_KEYS]++;
  }

  /** Points an occupied slot at another record of the same key. */
  replace(slot: number, off: number): void {
    const block = this.ctl[this.base + S_INDEX]!;
    Atomics.store(this.mem.i32, (block >> 2) + INDEX_HEADER_WORDS + slot * 2 + 1, off);
  }

  /** Empties `slot`, then shifts back the entries that probed past it. */
  remove(slot: number): void {
    const block = this.ctl[this.base + S_INDEX]!;
    const i32 = this.mem.i32;
    const cap = i32[block >> 2]!;
    const mask = cap - 1;
    const slots = (block >> 2) + INDEX_HEADER_WORDS;
    Atomics.store(i32, slots + slot * 2 + 1, 0);
    this.ctl[this.base + S_KEYS]--;
    let hole = slot;
    for (let j = (slot + 1) & mask; ; j = (j + 1) & mask) {
      const off = i32[slots + j * 2 + 1]!;
      if (off === 0) return;
      const home = i32[slots + j * 2]! & mask;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      i32[slots + hole * 2] = i32[slots + j * 2]!;
      Atomics.store(i32, slots + hole * 2 + 1, off);
      Atomics.store(i32, slots + j * 2 + 1, 0);
      hole = j;
    }
  }

  /**
   * Makes room for `extra` more keys at a load of at most 3/4, growing the
   * block (a new one is filled, then published by one store). False when the
   * table is full; nothing changed then.
   */
  reserve(extra: number): boolean {
    const cap = this.capacity;
    const need = this.keys + extra;
    if (need * 4 <= cap * 3) return true;
    let next = Math.max(MIN_INDEX_CAPACITY, cap);
    while (need * 4 > next * 3) next *= 2;
    return this.rebuildInto(next);
  }

  /** Unpublishes every key at once (their records are the caller's to free). */
  clear(): void {
    const block = this.ctl[this.base + S_INDEX]!;
    if (block === 0) return;
    const i32 = this.mem.i32;
    const slots = (block >> 2) + INDEX_HEADER_WORDS;
    for (let s = 0, cap = i32[block >> 2]!; s < cap; s++) Atomics.store(i32, slots + s * 2 + 1, 0);
    this.ctl[this.base + S_KEYS] = 0;
  }

  /** Calls `fn(off, slot)` for every occupied slot, in slot order. */
  forEach(fn: (off: number, slot: number) => void): void {
    const block = this.ctl[this.base + S_INDEX]!;
    if (block === 0) return;
    const i32 = this.mem.i32;
    const cap = i32[block >> 2]!;
    const slots = (block >> 2) + INDEX_HEADER_WORDS;
    for (let s = 0; s < cap; s++) {
      const off = i32[slots + s * 2 + 1]!;
      if (off !== 0) fn(off, s);
    }
  }

  /** Slot of `off`'s key if `off` is published (for iteration: where to continue). */
  slotOf(off: number): number {
    const block = this.ctl[this.base + S_INDEX]!;
    if (block === 0) return -1;
    const i32 = this.mem.i32;
    const cap = i32[block >> 2]!;
    const slots = (block >> 2) + INDEX_HEADER_WORDS;
    let s = i32[(off >> 2) + R_HASH]! & (cap - 1);
    for (let n = 0; n < cap; n++, s = (s + 1) & (cap - 1)) {
      const at = i32[slots + s * 2 + 1]!;
      if (at === off) return s;
      if (at === 0) return -1;
    }
    return -1;
  }

  /** First occupied slot at or after `from`, or -1. */
  nextOccupied(from: number): number {
    const block = this.ctl[this.base + S_INDEX]!;
    if (block === 0) return -1;
    const i32 = this.mem.i32;
    const cap = i32[block >> 2]!;
    const slots = (block >> 2) + INDEX_HEADER_WORDS;
    for (let s = Math.max(0, from); s < cap; s++) if (i32[slots + s * 2 + 1] !== 0) return s;
    return -1;
  }

  /** Last occupied slot at or before `from`, or -1. */
  prevOccupied(from: number): number {
    const block = this.ctl[this.base + S_INDEX]!;
    if (block === 0) return -1;
    const i32 = this.mem.i32;
    const cap = i32[block >> 2]!;
    const slots = (block >> 2) + INDEX_HEADER_WORDS;
    for (let s = Math.min(from, cap - 1); s >= 0; s--) if (i32[slots + s * 2 + 1] !== 0) return s;
    return -1;
  }

  /**
   * Refills the index from scratch with `entries` (repair), keeping at least
   * its capacity (room a dead writer reserved is still promised). Into a new
   * block, so that a repairer dying here too leaves the old index whole; in
   * place only when the table is too full for one.
   */
  rebuild(entries: ReadonlyArray<readonly [number, number]>): boolean {
    const block = this.ctl[this.base + S_INDEX]!;
    if (block === 0 && entries.length === 0) return true; // a stripe that never held a key has no index
    const cap = block === 0 ? 0 : this.mem.i32[block >> 2]!;
    let want = MIN_INDEX_CAPACITY;
    while (entries.length * 4 > want * 3) want *= 2;
    const size = Math.max(cap, want);
    if (this.swap(size, (fresh) => this.fill(fresh, size, entries))) return true;
    if (cap < want) return false;
    this.fill(block, cap, entries);
    return true;
  }

  private rebuildInto(cap: number): boolean {
    const entries: Array<readonly [number, number]> = [];
    const i32 = this.mem.i32;
    const old = this.ctl[this.base + S_INDEX]!;
    this.forEach((off, s) => entries.push([i32[(old >> 2) + INDEX_HEADER_WORDS + s * 2]!, off]));
    return this.swap(cap, (fresh) => this.fill(fresh, cap, entries));
  }

  /** A new block of `cap` slots, filled, published and the old one freed (crash-safe: see in-flight.ts). */
  private swap(cap: number, fill: (block: number) => void): boolean {
    return swapBlock(this.ctl, this.base, this.mem, this.base + S_INDEX, (INDEX_HEADER_WORDS + cap * 2) * 4, fill);
  }

  private fill(block: number, cap: number, entries: ReadonlyArray<readonly [number, number]>): void {
    const i32 = this.mem.i32;
    const slots = (block >> 2) + INDEX_HEADER_WORDS;
    i32.fill(0, slots, slots + cap * 2);
    i32[block >> 2] = cap;
    i32[(block >> 2) + 1] = 0;
    const mask = cap - 1;
    for (const [h, off] of entries) {
      let s = h & mask;
      while (i32[slots + s * 2 + 1] !== 0) s = (s + 1) & mask;
      i32[slots + s * 2] = h;
      i32[slots + s * 2 + 1] = off;
    }
    this.ctl[this.base + S_KEYS] = entries.length;
  }
}
