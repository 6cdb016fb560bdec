import { extendsProbe } from './key-codec';
/**
 * A stripe's key order (ordered_set): an arena block holding the stripe's
 * record offsets sorted by key encoding. Lookups still go through the hash
 * index; this array serves first/next/last/prev, ordered traversal and range
 * selects, by binary search on key bytes (the key encoding is order-preserving,
 * so no key is decoded).
 *
 * Inserting shifts the tail of the array. The array is derived data: a writer
 * that dies in the middle of a shift leaves it for `repair` to rebuild from the
 * hash index.
 */
import { ORDER_HEADER_WORDS, RECORD_HEADER, S_ORDER } from './layout';
import { swapBlock } from './in-flight';
import type { TableMemory } from './memory';

const MIN_CAPACITY = 8;

export class OrderIndex {
  /** After `search`: whether the record at the returned position has the key. */
  equal = false;

  constructor(
    private readonly ctl: Int32Array,
    private readonly base: number,
    private readonly mem: TableMemory,
  ) {}

  get count(): number {
    const block = Atomics.load(this.ctl, this.base + S_ORDER);
    return block === 0 ? 0 : this.mem.i32[(block >> 2) + 1]!;
  }

  get bytes(): number {
    const block = Atomics.load(this.ctl, this.base + S_ORDER);
    return block === 0 ? 0 : (ORDER_HEADER_WORDS + this.mem.i32[block >> 2]!) * 4;
  }

  /** Record offset at `pos` (0 <= pos < count). */
  at(pos: number): number {
    const block = Atomics.load(this.ctl, this.base + S_ORDER);
    return this.mem.i32[(block >> 2) + ORDER_HEADER_WORDS + pos]!;
  }

  /**
   * Position of the first record whose key is >= the key `kb[0, kl)`; sets
   * `equal`. Returns -1 on an impossible state (a torn optimistic read).
   */
  search(kb: Uint8Array, kl: number): number {
    this.equal = false;
    const block = Atomics.load(this.ctl, this.base + S_ORDER);
    if (block === 0) return 0;
    const i32 = this.mem.i32;
    const u8 = this.mem.u8;
    const cap = i32[block >> 2]!;
    const count = i32[(block >> 2) + 1]!;
    const first = (block >> 2) + ORDER_HEADER_WORDS;
    if (count < 0 || count > cap || first + cap > i32.length) return -1;
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const off = i32[first + mid]!;
      const k = off + RECORD_HEADER;
      if (off <= 0 || k + kl > u8.length) return -1;
      let d = 0;
      for (let i = 0; i < kl; i++) {
        d = u8[k + i]! - kb[i]!;
        if (d !== 0) break;
      }
      if (d === 0 && extendsProbe(u8, k, kb, kl)) d = 1; // the stored key is longer, so greater
      if (d < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < count) {
      const k = i32[first + lo]! + RECORD_HEADER;
      if (k + kl > u8.length) return -1;
      let i = 0;
      while (i < kl && u8[k + i] === kb[i]) i++;
      this.equal = i === kl && !extendsProbe(u8, k, kb, kl);
    }
    return lo;
  }

  /** Room for `extra` more records (growing by doubling). False when the table is full. */
  reserve(extra: number): boolean {
    const block = this.ctl[this.base + S_ORDER]!;
    const i32 = this.mem.i32;
    const cap = block === 0 ? 0 : i32[block >> 2]!;
    const count = block === 0 ? 0 : i32[(block >> 2) + 1]!;
    if (count + extra <= cap) return true;
    let next = Math.max(MIN_CAPACITY, cap * 2);
    while (next < count + extra) next *= 2;
    return swapBlock(this.ctl, this.base, this.mem, this.base + S_ORDER, (ORDER_HEADER_WORDS + next) * 4, (fresh) => {
      const w = this.mem.i32;
      w[fresh >> 2] = next;
      w[(fresh >> 2) + 1] = count;
      if (count > 0)
        w.copyWithin(
          (fresh >> 2) + ORDER_HEADER_WORDS,
          (block >> 2) + ORDER_HEADER_WORDS,
          (block >> 2) + ORDER_HEADER_WORDS + count,
        );
    });
  }

  /** Inserts at `pos`; `reserve` must have made room. */
  insertAt(pos: number, off: number): void {
    const block = this.ctl[this.base + S_ORDER]!;
    const i32 = this.mem.i32;
    const first = (block >> 2) + ORDER_HEADER_WORDS;
    const count = i32[(block >> 2) + 1]!;
    i32.copyWithin(first + pos + 1, first + pos, first + count);
    i32[first + pos] = off;
    i32[(block >> 2) + 1] = count + 1;
  }

  removeAt(pos: number): void {
    const block = this.ctl[this.base + S_ORDER]!;
    const i32 = this.mem.i32;
    const first = (block >> 2) + ORDER_HEADER_WORDS;
    const count = i32[(block >> 2) + 1]!;
    i32.copyWithin(first + pos, first + pos + 1, first + count);
    i32[(block >> 2) + 1] = count - 1;
  }

  clear(): void {
    const block = this.ctl[this.base + S_ORDER]!;
    if (block !== 0) this.mem.i32[(block >> 2) + 1] = 0;
  }

  replaceAt(pos: number, off: number): void {
    const block = this.ctl[this.base + S_ORDER]!;
    Atomics.store(this.mem.i32, (block >> 2) + ORDER_HEADER_WORDS + pos, off);
  }

  /** Replaces the whole order with `sorted` (repair). */
  rebuild(sorted: readonly number[]): boolean {
    const block = this.ctl[this.base + S_ORDER]!;
    const cap = block === 0 ? 0 : this.mem.i32[block >> 2]!;
    if (cap < sorted.length) {
      if (block !== 0) this.mem.i32[(block >> 2) + 1] = 0;
      if (!this.reserve(sorted.length)) return false;
    }
    const b = this.ctl[this.base + S_ORDER]!;
    if (b === 0) return true;
    const i32 = this.mem.i32;
    const first = (b >> 2) + ORDER_HEADER_WORDS;
    for (let i = 0; i < sorted.length; i++) i32[first + i] = sorted[i]!;
    i32[(b >> 2) + 1] = sorted.length;
    return true;
  }
}
