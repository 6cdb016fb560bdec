/**
 * Writes of many objects at once, atomic for other threads and across the
 * writer's death: insert_new and insert with a list, and delete_all_objects.
 * A batch locks every stripe involved (in stripe order, so batches cannot
 * deadlock), reserves room, writes every record unpublished into a per-stripe
 * plan, commits (transaction.ts), and only then publishes; a repair replays a
 * committed plan through `Publisher.publishPlanned`.
 */
import type { Stripe } from '../stripe';
import { Transaction } from '../transaction';
import type { EncodedObject } from '../tuple-codec';
import type { Tuple } from '../types';
import type { TableCore } from './core';
import type { KeyWrites } from './key-writes';
import type { Publisher } from './publish';

/** @internal */
export class Batches<T extends Tuple = Tuple> {
  constructor(
    private readonly core: TableCore<T>,
    private readonly pub: Publisher<T>,
    private readonly keys: KeyWrites<T>,
  ) {}

  /** Encodes every object first, so a bad one writes nothing (`what` names the caller in errors). */
  encodeAll(objects: readonly T[], what: string): EncodedObject[] {
    return objects.map((o, i) => this.core.codec.encode(o, `${what}[${i}]`));
  }

  /**
   * Inserts encoded objects atomically. Running out of memory frees what was
   * written and publishes nothing. With `onlyNew`, returns false without
   * writing if any key is present.
   */
  insert(encoded: EncodedObject[], objects: readonly T[], onlyNew: boolean): boolean {
    const core = this.core;
    if (!core.bag && encoded.length > 1) {
      // Only the last object of a key survives in a set: write just that one
      // (a plan never replaces its own records, which keeps replaying it simple).
      const keep = lastOfEachKey(encoded);
      if (keep !== null) {
        encoded = keep.map((i) => encoded[i]!);
        objects = keep.map((i) => objects[i]!);
      }
    }
    if (encoded.length === 0) return true;
    if (encoded.length === 1) return this.keys.insertOne(encoded[0]!, objects[0], onlyNew);
    const byStripe = new Map<Stripe, number[]>();
    encoded.forEach((e, i) => {
      const stripe = core.stripeOf(e.h);
      let list = byStripe.get(stripe);
      if (list === undefined) byStripe.set(stripe, (list = []));
      list.push(i);
    });
    const members = [...byStripe.keys()].sort((a, b) => a.base - b.base);
    core.lockAll(members);
    try {
      if (onlyNew) {
        for (const e of encoded) if (core.stripeOf(e.h).index.find(e.h, e.key, e.key.length) > 0) return false;
      }
      for (const [stripe, list] of byStripe) core.reserve(stripe, list.length);
      const tx = new Transaction(members);
      tx.begin();
      // Word index (in the arena) of each object's plan entry.
      const slots: number[] = new Array<number>(encoded.length);
      for (const [stripe, list] of byStripe) {
        const first = tx.plan(stripe, list.length);
        if (first < 0) {
          tx.abandon();
          core.full();
        }
        list.forEach((i, j) => (slots[i] = first + j));
      }
      const mem = core.mem;
      for (let i = 0; i < encoded.length; i++) {
        const e = encoded[i]!;
        const rec = core.stripeOf(e.h).writeRecord(e.h, e.key, e.key.length, e.tuple, e.whole, mem.i32, slots[i]!);
        if (rec === 0) {
          tx.abandon();
          core.full();
        }
        mem.i32[slots[i]!] = rec;
      }
      tx.commit();
      for (const stripe of members) {
        for (const i of byStripe.get(stripe)!)
          this.pub.publishPlanned(stripe, mem.i32[slots[i]!]!, mem.i32, slots[i]!, encoded[i], objects[i]);
        tx.finish(stripe);
      }
      tx.end();
      return true;
    } finally {
      core.unlockAll(members);
    }
  }

  /** Empties the table, atomically (one transaction over every stripe). */
  deleteAll(): void {
    const stripes = this.core.stripes;
    this.core.lockAll(stripes);
    try {
      const tx = new Transaction(stripes);
      tx.begin();
      for (const stripe of stripes) tx.planClear(stripe);
      tx.commit();
      for (const stripe of stripes) {
        this.pub.clearStripe(stripe);
        tx.finish(stripe);
      }
      tx.end();
    } finally {
      this.core.unlockAll(stripes);
    }
  }
}

/** Indexes of the last object of each key, in order; null when no key repeats. */
function lastOfEachKey(encoded: readonly EncodedObject[]): number[] | null {
  if (!hashRepeats(encoded)) return null;
  const last = new Map<string, number>();
  encoded.forEach((e, i) => last.set(Buffer.from(e.key.buffer, e.key.byteOffset, e.key.length).toString('latin1'), i));
  return [...last.values()].sort((a, b) => a - b);
}

/** Whether two objects share a key hash (small batches without allocating). */
function hashRepeats(encoded: readonly EncodedObject[]): boolean {
  const n = encoded.length;
  if (n <= 16) {
    for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) if (encoded[i]!.h === encoded[j]!.h) return true;
    return false;
  }
  const hashes = new Set<number>();
  for (const e of encoded) {
    if (hashes.has(e.h)) return true;
    hashes.add(e.h);
  }
  return false;
}
