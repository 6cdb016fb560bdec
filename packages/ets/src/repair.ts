/**
 * Putting a stripe right after its mutex was stolen from a dead writer (the
 * repairing thread holds it, its sequence odd). In order:
 *
 * 1. If the stripe owns a multi-object write, record how it ended in every
 *    member still pending (transaction.ts), and learn this stripe's outcome.
 * 2. Survey: keep every record the hash index (and its chains) still reaches,
 *    drop entries that do not point at a whole record of the stripe's.
 * 3. Free the arena blocks the writer held unlinked (in-flight.ts).
 * 4. Rebuild index, order, free lists and counters from the survey, keeping
 *    the records a plan lists.
 * 5. A plan: roll it forward if the write committed (publishing what is not
 *    yet published, with the writer's own code, so this is idempotent), then
 *    free what it left unpublished, drop the plan, and rebuild again.
 *
 * Every step can itself be cut short by the repairer's death: each leaves the
 * words it consumed cleared (frees go through `freeFrom`), and the next
 * repairer starts over from the survey.
 */
import { compareBytes, skipKey } from './key-codec';
import { reclaimInFlight, type Reachability } from './in-flight';
import {
  BIG,
  FLAG_MASK,
  MAX_SMALL_RECORD,
  PLAN_CLEAR,
  PLAN_HEADER_WORDS,
  RECORD_HEADER,
  R_HASH,
  S_INDEX,
  S_LIVE,
  S_OBJECTS,
  S_ORDER,
  S_PLAN,
  S_REPAIRS,
  S_TX,
  USED,
} from './layout';
// A cycle through types only (erased at run time): stripe.ts calls repair() on itself, and repair works on that stripe.
import type { Stripe } from './stripe';
import { outcomeOf, settleMembers } from './transaction';

/** The table-type-aware writer code a repair replays a committed plan with. */
export interface Replayer {
  /**
   * Publishes the planned record `rec` (stripe write-locked, room reserved)
   * unless it is already published; a bag frees it (through `view[index]`)
   * if it holds the same object already.
   */
  publishPlanned(stripe: Stripe, rec: number, view: Int32Array, index: number): void;
  /** Unpublishes and frees every record of the stripe. */
  clearStripe(stripe: Stripe): void;
}

export function repair(stripe: Stripe, replayer: Replayer): void {
  const { ctl, base, mem } = stripe;
  mem.refresh();
  settleMembers(stripe);
  const outcome = outcomeOf(stripe);
  let survey = new Survey(stripe);
  reclaimInFlight(ctl, base, mem, survey);
  const plan = ctl[base + S_PLAN]!;
  survey.rebuild(plan > PLAN_CLEAR ? planKeeps(stripe, plan, survey) : new Set());
  if (plan !== 0) {
    if (outcome === 'committed') {
      if (plan === PLAN_CLEAR) replayer.clearStripe(stripe);
      else rollForward(stripe, plan, survey, replayer);
    }
    survey = new Survey(stripe);
    dropPlan(stripe, plan, survey);
    survey.rebuild(new Set());
  }
  ctl[base + S_TX] = 0;
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
    return (
      off === ctl[base + S_INDEX] ||
      off === ctl[base + S_ORDER] ||
      off === ctl[base + S_PLAN] ||
      this.chunks.has(off) ||
      this.live.has(off)
    );
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

  /** Rebuilds index, order, free lists (every block not live nor in `keep` is free) and counters. */
  rebuild(keep: Set<number>): void {
    const stripe = this.stripe;
    stripe.index.rebuild(this.heads);
    if (stripe.order !== null) {
      const mem = stripe.mem;
      const keyEnd = (off: number): number =>
        skipKey(mem.u8, off + RECORD_HEADER, off + (mem.i32[off >> 2]! & ~FLAG_MASK));
      const sorted = this.heads.map(([, off]) => off);
      sorted.sort((a, b) => compareBytes(mem.u8, a + RECORD_HEADER, keyEnd(a), mem.u8, b + RECORD_HEADER, keyEnd(b)));
      stripe.order.rebuild(sorted);
    }
    stripe.heap.rebuild(keep.size === 0 ? this.live : new Set([...this.live, ...keep]));
    stripe.ctl[stripe.base + S_OBJECTS] = this.live.size;
    stripe.ctl[stripe.base + S_LIVE] = this.liveBytes;
  }
}

/** Chunk blocks a plan holds (its own block, its records), kept through the first rebuild. */
function planKeeps(stripe: Stripe, plan: number, survey: Survey): Set<number> {
  const keep = new Set<number>();
  const i32 = stripe.mem.i32;
  if (survey.inChunk(plan)) keep.add(plan);
  forEachEntry(stripe, plan, (rec) => {
    if (survey.inChunk(rec) && (i32[rec >> 2]! & USED) !== 0) keep.add(rec);
  });
  return keep;
}

/** Publishes every whole record of a committed plan (those already published are left alone). */
function rollForward(stripe: Stripe, plan: number, survey: Survey, replayer: Replayer): void {
  forEachEntry(stripe, plan, (rec, slot) => {
    const w0 = stripe.mem.i32[rec >> 2]!;
    if ((w0 & USED) === 0) return; // a bag's duplicate, freed before the writer died
    if (!survey.inChunk(rec) && ((w0 & BIG) === 0 || !survey.liveArenaBlock(rec))) return;
    replayer.publishPlanned(stripe, rec, stripe.mem.i32, slot);
  });
}

/** Frees the plan's records nothing publishes, then the plan itself. */
function dropPlan(stripe: Stripe, plan: number, survey: Survey): void {
  const { ctl, base, mem } = stripe;
  forEachEntry(stripe, plan, (rec, slot) => {
    if (survey.linked(rec)) return;
    if (!survey.inChunk(rec) && survey.liveArenaBlock(rec)) mem.freeFrom(mem.i32, slot);
    else mem.i32[slot] = 0; // a chunk block: the next rebuild frees it
  });
  if (plan > PLAN_CLEAR && !survey.inChunk(plan) && survey.liveArenaBlock(plan)) mem.freeFrom(ctl, base + S_PLAN);
  else ctl[base + S_PLAN] = 0;
}

function forEachEntry(stripe: Stripe, plan: number, fn: (rec: number, slot: number) => void): void {
  if (plan <= PLAN_CLEAR) return;
  const first = (plan >> 2) + PLAN_HEADER_WORDS;
  const count = stripe.mem.i32[(plan >> 2) + 1]!;
  for (let slot = first; slot < first + count; slot++) {
    const rec = stripe.mem.i32[slot]!;
    if (rec !== 0) fn(rec, slot);
  }
}
