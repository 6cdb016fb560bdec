/**
 * Multi-object writes (insertMany, insertNewMany, deleteAllObjects) that stay
 * all-or-nothing when the writer dies half-way, over any number of stripes.
 *
 * The writer holds every stripe involved (locked in stripe order). The first
 * of them owns the transaction: S_TX_SEQ numbers it, S_TX_MEMBERS lists the
 * stripes, and S_TX_COMMIT receives the commit, one atomic store of the
 * number. Each member's S_TX names the owner and the number; its S_PLAN lists
 * the records the transaction publishes there, written (unpublished) before
 * the commit. After the commit the writer publishes stripe by stripe and
 * clears each member's words.
 *
 * A member repaired after the writer died rolls its plan forward if the
 * transaction committed and frees it if not (repair.ts). Members are repaired
 * one by one, by whichever threads need them, so the owner may be repaired,
 * and start a new transaction, before some member is: the owner's repair
 * therefore first writes the outcome into every member still pending (a CAS on
 * its S_TX), and a member trusts the owner's commit word only while its own
 * S_TX still says pending, that is, before the owner can have moved on.
 */
import {
  PLAN_CLEAR,
  PLAN_HEADER_WORDS,
  S_PLAN,
  S_FRESH,
  S_TX,
  S_TX_COMMIT,
  S_TX_MEMBERS,
  S_TX_SEQ,
  align8,
  stripeBase,
} from './layout';
// A cycle through types only (erased at run time): a stripe's repair settles the transactions it was part of.
import type { Stripe } from './stripe';

// S_TX: owner stripe + 1 in bits 0-4, state in bits 5-6, sequence number in bits 7-31.
const STATE_SHIFT = 5;
const SEQ_SHIFT = 7;
const SEQ_MAX = (1 << 25) - 1;
const PENDING = 0;
const COMMITTED = 1;
const ABORTED = 2;

function txRef(owner: number, seq: number, state: number): number {
  return (seq << SEQ_SHIFT) | (state << STATE_SHIFT) | (owner + 1) | 0;
}

/** The writer's side of one transaction. Its steps are methods so that tests can stop a writer between them. */
export class Transaction {
  private seq = 0;
  private readonly owner: Stripe;

  /** `members`: the stripes involved, write-locked, in stripe order. */
  constructor(private readonly members: readonly Stripe[]) {
    this.owner = members[0]!;
  }

  /** Numbers the transaction and marks every member's part pending. */
  begin(): void {
    const ctl = this.owner.ctl;
    const o = this.owner.base;
    const last = ctl[o + S_TX_SEQ]!;
    this.seq = last >= SEQ_MAX ? 1 : last + 1;
    ctl[o + S_TX_SEQ] = this.seq;
    let mask = 0;
    for (const m of this.members) mask |= 1 << m.number;
    ctl[o + S_TX_MEMBERS] = mask;
    const pending = txRef(this.owner.number, this.seq, PENDING);
    for (const m of this.members) ctl[m.base + S_TX] = pending;
  }

  /**
   * Gives `stripe` a plan of `count` empty entries (a block of its heap).
   * Returns the plan's word index of entry 0, or -1 when the table is full.
   */
  plan(stripe: Stripe, count: number): number {
    const ctl = stripe.ctl;
    const size = align8(Math.max(16, (PLAN_HEADER_WORDS + count) * 4));
    // Named by S_FRESH until filled: a plan is only read through S_PLAN once its entries are zero.
    const plan = stripe.heap.alloc(size, ctl, stripe.base + S_FRESH);
    if (plan === 0) return -1;
    const i32 = stripe.mem.i32;
    const first = (plan >> 2) + PLAN_HEADER_WORDS;
    i32.fill(0, first, first + count);
    i32[(plan >> 2) + 1] = count;
    ctl[stripe.base + S_PLAN] = plan;
    ctl[stripe.base + S_FRESH] = 0;
    return first;
  }

  /** Marks `stripe`'s part as emptying the stripe (deleteAllObjects). */
  planClear(stripe: Stripe): void {
    stripe.ctl[stripe.base + S_PLAN] = PLAN_CLEAR;
  }

  /** The commit point: one atomic store. Before it a dead writer's transaction is undone, after it finished. */
  commit(): void {
    Atomics.store(this.owner.ctl, this.owner.base + S_TX_COMMIT, this.seq);
  }

  /** After a member's plan is carried out: frees the plan and ends its part. */
  finish(stripe: Stripe): void {
    dropPlanBlock(stripe);
    stripe.ctl[stripe.base + S_TX] = 0;
  }

  /** After every member finished. */
  end(): void {
    this.owner.ctl[this.owner.base + S_TX_MEMBERS] = 0;
  }

  /** Instead of the commit (the table is full): frees every record written and every plan. */
  abandon(): void {
    for (const m of this.members) {
      const plan = m.ctl[m.base + S_PLAN]!;
      if (plan > PLAN_CLEAR) {
        const i32 = m.mem.i32;
        const first = (plan >> 2) + PLAN_HEADER_WORDS;
        const count = i32[(plan >> 2) + 1]!;
        for (let slot = first; slot < first + count; slot++)
          if (m.mem.i32[slot] !== 0) m.heap.freeFrom(m.mem.i32, slot);
      }
      this.finish(m);
    }
    this.end();
  }
}

/** Frees a member's plan block (S_PLAN names it) or clears PLAN_CLEAR. */
function dropPlanBlock(stripe: Stripe): void {
  const at = stripe.base + S_PLAN;
  if (stripe.ctl[at]! > PLAN_CLEAR) stripe.heap.freeFrom(stripe.ctl, at);
  else stripe.ctl[at] = 0;
}

export type Outcome = 'none' | 'committed' | 'aborted';

/**
 * As the owner of a transaction whose writer died: writes its outcome into
 * every member still pending, then forgets the transaction (the repairer
 * holds this stripe, so it cannot have started another).
 */
export function settleMembers(stripe: Stripe): void {
  const ctl = stripe.ctl;
  const members = ctl[stripe.base + S_TX_MEMBERS]!;
  if (members === 0) return;
  const seq = ctl[stripe.base + S_TX_SEQ]!;
  const committed = Atomics.load(ctl, stripe.base + S_TX_COMMIT) === seq;
  const pending = txRef(stripe.number, seq, PENDING);
  const settled = txRef(stripe.number, seq, committed ? COMMITTED : ABORTED);
  for (let n = 0; n < 32; n++) {
    if ((members & (1 << n)) !== 0) Atomics.compareExchange(ctl, stripeBase(n) + S_TX, pending, settled);
  }
  ctl[stripe.base + S_TX_MEMBERS] = 0;
}

/** How the transaction `stripe` takes part in ended (its repairer holds it; the writer is dead). */
export function outcomeOf(stripe: Stripe): Outcome {
  const ctl = stripe.ctl;
  const at = stripe.base + S_TX;
  const ref = Atomics.load(ctl, at);
  if (ref === 0) return 'none';
  const state = (ref >>> STATE_SHIFT) & 3;
  if (state !== PENDING) return state === COMMITTED ? 'committed' : 'aborted';
  const owner = (ref & 31) - 1;
  const committed = Atomics.load(ctl, stripeBase(owner) + S_TX_COMMIT) === ref >>> SEQ_SHIFT;
  // Still pending after that read: the owner had not settled, so had not moved on, when it was made.
  if (Atomics.load(ctl, at) !== ref) return outcomeOf(stripe);
  return committed ? 'committed' : 'aborted';
}
