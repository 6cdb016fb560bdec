/**
 * A copy of a stripe's records taken under the stripe's lock, decoded after
 * the lock is released: scans (tab2list, foldl, select, match) hold a stripe
 * only for a memcpy, never while user code or the decoder runs.
 */
import { compareBytes, KeyWriter, skipKey } from './key-codec';
import { FLAG_MASK, R_LINK, RECORD_HEADER, TUPLE } from './layout';
import type { TableMemory } from './memory';
import type { Stripe } from './stripe';
import type { TupleCodec } from './tuple-codec';
import type { KeyRange } from './types';

/** Encoded range bounds for an ordered scan. */
export interface Bounds {
  lo: Uint8Array | null;
  loInclusive: boolean;
  hi: Uint8Array | null;
  hiInclusive: boolean;
}

export class Snapshot {
  private buf: Buffer = Buffer.allocUnsafe(0);
  private used = 0;
  private readonly keyStart: number[] = [];
  private readonly tupleStart: number[] = [];
  private readonly end: number[] = [];
  private readonly whole: boolean[] = [];

  get count(): number {
    return this.end.length;
  }

  static bounds(range: KeyRange, kw: KeyWriter): Bounds {
    const enc = (k: unknown): Uint8Array => kw.copy(kw.encode(k));
    return {
      lo: 'gte' in range ? enc(range.gte) : 'gt' in range ? enc(range.gt) : null,
      loInclusive: 'gte' in range,
      hi: 'lte' in range ? enc(range.lte) : 'lt' in range ? enc(range.lt) : null,
      hiInclusive: 'lte' in range,
    };
  }

  /** Copies the stripe's records (the caller holds its lock). Ordered stripes copy in key order, within `bounds`. */
  static take(stripe: Stripe, mem: TableMemory, bag: boolean, bounds: Bounds | null): Snapshot {
    const snap = new Snapshot();
    const order = stripe.order;
    if (order !== null) {
      let from = 0;
      let to = order.count;
      if (bounds?.lo) {
        from = order.search(bounds.lo, bounds.lo.length);
        if (order.equal && !bounds.loInclusive) from++;
      }
      if (bounds?.hi) {
        to = order.search(bounds.hi, bounds.hi.length);
        if (order.equal && bounds.hiInclusive) to++;
      }
      for (let pos = from; pos < to; pos++) snap.copy(mem, order.at(pos));
      return snap;
    }
    stripe.index.forEach((head) => {
      for (let cur = head; cur !== 0; cur = bag ? stripe.link(cur) : 0) snap.copy(mem, cur);
    });
    return snap;
  }

  /** Visits each record in snapshot order (or reversed); false if `visit` stopped it. */
  each(codec: TupleCodec, reverse: boolean, visit: (object: unknown[]) => boolean | void): boolean {
    const n = this.count;
    for (let i = 0; i < n; i++) if (visit(this.decode(codec, reverse ? n - 1 - i : i)) === false) return false;
    return true;
  }

  /** Visits the records of ordered snapshots merged by key (descending when `reverse`). */
  static merged(
    snaps: Snapshot[],
    codec: TupleCodec,
    reverse: boolean,
    visit: (object: unknown[]) => boolean | void,
  ): void {
    const live = snaps.filter((s) => s.count > 0);
    if (live.length === 1) {
      live[0]!.each(codec, reverse, visit);
      return;
    }
    const at = live.map((s) => (reverse ? s.count - 1 : 0));
    for (;;) {
      let best = -1;
      for (let i = 0; i < live.length; i++) {
        if (at[i]! < 0 || at[i]! >= live[i]!.count) continue;
        if (best < 0) {
          best = i;
          continue;
        }
        const d = live[i]!.compareKey(at[i]!, live[best]!, at[best]!);
        if (reverse ? d > 0 : d < 0) best = i;
      }
      if (best < 0) return;
      const object = live[best]!.decode(codec, at[best]!);
      at[best] = at[best]! + (reverse ? -1 : 1);
      if (visit(object) === false) return;
    }
  }

  private compareKey(i: number, other: Snapshot, j: number): number {
    return compareBytes(
      this.buf,
      this.keyStart[i]!,
      this.tupleStart[i]!,
      other.buf,
      other.keyStart[j]!,
      other.tupleStart[j]!,
    );
  }

  private decode(codec: TupleCodec, i: number): unknown[] {
    return codec.decode(this.buf, this.tupleStart[i]!, this.end[i]!, this.whole[i]!, this.buf, this.keyStart[i]!);
  }

  private copy(mem: TableMemory, off: number): void {
    const i32 = mem.i32;
    const w0 = i32[off >> 2]!;
    const end = off + (w0 & ~FLAG_MASK) - (i32[(off >> 2) + R_LINK]! & FLAG_MASK);
    const keyEnd = skipKey(mem.u8, off + RECORD_HEADER, end);
    if (keyEnd < 0) throw new RangeError(`corrupt key in the record at ${off}`);
    const len = end - off - RECORD_HEADER;
    if (this.used + len > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.used + len, this.buf.length * 2, 1024));
      this.buf.copy(next, 0, 0, this.used);
      this.buf = next;
    }
    this.buf.set(mem.u8.subarray(off + RECORD_HEADER, end), this.used);
    this.keyStart.push(this.used);
    this.tupleStart.push(this.used + keyEnd - off - RECORD_HEADER);
    this.end.push(this.used + len);
    this.whole.push((w0 & TUPLE) !== 0);
    this.used += len;
  }
}
