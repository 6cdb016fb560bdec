/**
 * Putting a stripe right after its mutex was stolen from a dead writer (the
 * repairing thread holds it, its sequence odd). In order:
 *
 * 1. Survey: keep every record the hash index (and its chains) still reaches,
 *    drop entries that do not point at a whole record of the stripe's.
 * 2. Free the arena blocks the writer held unlinked (in-flight.ts).
 * 3. Rebuild index, order, free lists and counters from the survey: a record
 *    written and never published goes back to the free lists.
 *
 * Every step can itself be cut short by the repairer's death: each leaves the
 * words it consumed cleared (frees go through `freeFrom`), and the next
 * repairer starts over from the survey.
 */
import { compareBytes, skipKey } from './key-codec';
import { reclaimInFlight, type Reachability } from './in-flight';
import { BIG, FLAG_MASK, MAX_SMALL_RECORD, RECORD_HEADER, R_HASH, S_INDEX, S_LIVE, S_OBJECTS, S_ORDER, S_REPAIRS, USED } from './layout';
import type { Stripe } from './stripe';

export function repair(stripe: Stripe): void {
  const { ctl, base, mem } = stripe;
  mem.refresh();
  const survey = new Survey(stripe);
  reclaimInFlight(ctl, base, mem, survey);
  survey.rebuild();
  ctl[base + S_REPAIRS]++;
}

/** The stripe as its hash index and chunk walk show it. */
class Survey implements Reachability {
  /** [hash, record] of each key's first record. */
  readonly heads: Array<readonly [number, number]> = [];
  /** Every record the index reaches. */
  readonly live = new Set<number>();
  liveBytes = 0;
  /** Every block of the stripe's chunks, used or not. */
  private readonly starts: Set<number>;
  private readonly chunks = new Set<number>();

  constructor(private readonly stripe: Stripe) {
    const mem = stripe.mem;
    const i32 = mem.i32;
    this.starts = stripe.heap.blockStarts();
    stripe.heap.forEachChunk((chunk) => this.chunks.add(chunk));
    const isRecord = (off: number, h: number): boolean => {
      if (off <= 0 || off % 8 !== 0 || off + 16 > mem.length) return false;
      const w0 = i32[off >> 2]!;
      const size = w0 & ~FLAG_MASK;
      if ((w0 & USED) === 0 || i32[(off >> 2) + R_HASH] !== h || off + size > mem.length) return false;
      if ((w0 & BIG) === 0) return this.starts.has(off);
      return size > MAX_SMALL_RECORD && this.arenaBlockSize(off) >= size;
    };
    stripe.index.forEach((off) => {
      const h = i32[(off >> 2) + R_HASH]!;
      if (this.live.has(off) || !isRecord(off, h)) return;
      this.heads.push([h, off]);
      let prev = off;
      for (;;) {
        this.live.add(prev);
        this.liveBytes += i32[prev >> 2]! & ~FLAG_MASK;
        if (!stripe.bag) break;
        const next = stripe.link(prev);
        if (next === 0) break;
        if (this.live.has(next) || !isRecord(next, h)) {
          stripe.setLink(prev, 0);
          break;
        }
        prev = next;
      }
    });
  }

  linked(off: number): boolean {
    const ctl = this.stripe.ctl;
    const base = this.stripe.base;
    return off === ctl[base + S_INDEX] || off === ctl[base + S_ORDER] || this.chunks.has(off) || this.live.has(off);
  }

  inChunk(off: number): boolean {
    return this.starts.has(off);
  }

  liveArenaBlock(off: number): boolean {
    return this.arenaBlockSize(off) > 0;
  }

  /** Usable size of the live arena block at `off`, 0 if it is none. */
  private arenaBlockSize(off: number): number {
    try {
      return this.stripe.mem.arena.usableSize(off);
    } catch {
      return 0;
    }
  }

  /** Rebuilds index, order, free lists (every block not live is free) and counters. */
  rebuild(): void {
    const stripe = this.stripe;
    stripe.index.rebuild(this.heads);
    if (stripe.order !== null) {
      const mem = stripe.mem;
      const keyEnd = (off: number): number => skipKey(mem.u8, off + RECORD_HEADER, off + (mem.i32[off >> 2]! & ~FLAG_MASK));
      const sorted = this.heads.map(([, off]) => off);
      sorted.sort((a, b) => compareBytes(mem.u8, a + RECORD_HEADER, keyEnd(a), mem.u8, b + RECORD_HEADER, keyEnd(b)));
      stripe.order.rebuild(sorted);
    }
    stripe.heap.rebuild(this.live);
    stripe.ctl[stripe.base + S_OBJECTS] = this.live.size;
    stripe.ctl[stripe.base + S_LIVE] = this.liveBytes;
  }
}
