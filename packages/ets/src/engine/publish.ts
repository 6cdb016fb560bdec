/**
 * The write primitives, every one run with its stripe write-locked: write a
 * record and publish it (one atomic store in the hash index makes it visible),
 * unpublish a key, remove some of a bag's records, empty a stripe, and publish
 * what a committed transaction planned (which a repair replays, so it is
 * idempotent). Records of a replaced or removed key are doomed before they go,
 * so a crash in between leaves nothing a repair cannot finish.
 */
import { termEquals } from '../terms';
import { BIG, FLAG_MASK, RECORD_HEADER, R_HASH, R_LINK, TUPLE } from '../layout';
import type { Replayer } from '../repair';
import type { Stripe } from '../stripe';
import type { EncodedObject } from '../tuple-codec';
import type { Tuple } from '../types';
import { BAG, type TableCore } from './core';

/** @internal */
export class Publisher<T extends Tuple = Tuple> implements Replayer {
  constructor(private readonly core: TableCore<T>) {}

  /**
   * Writes and publishes one object (room reserved): replaces the key's object
   * (set types) or appends to its chain (bags; a bag skips an object it already
   * holds). True if the key was absent before.
   */
  put(
    stripe: Stripe,
    h: number,
    kb: Uint8Array,
    kl: number,
    tuple: Uint8Array,
    whole: boolean,
    object: unknown,
  ): boolean {
    const head = stripe.index.find(h, kb, kl);
    const slot = stripe.index.slot;
    if (head > 0 && this.core.bag) {
      let tail = head;
      for (let cur = head; cur !== 0; cur = stripe.link(cur)) {
        if (this.core.typeCode === BAG && this.sameObject(cur, kl, tuple, whole, object)) return false;
        tail = cur;
      }
      const rec = stripe.writeRecord(h, kb, kl, tuple, whole);
      if (rec === 0) this.core.full();
      stripe.setLink(tail, rec);
      stripe.added(rec);
      return false;
    }
    const rec = stripe.writeRecord(h, kb, kl, tuple, whole);
    if (rec === 0) this.core.full();
    this.publish(stripe, head, slot, h, kb, kl, rec);
    return head === 0;
  }

  /** Publishes a written record for a key whose current head is `head` (0: absent) in `slot`. */
  publish(stripe: Stripe, head: number, slot: number, h: number, kb: Uint8Array, kl: number, rec: number): void {
    if (head > 0) {
      stripe.doom(head, false);
      stripe.index.replace(slot, rec);
      if (stripe.order !== null) {
        const pos = stripe.order.search(kb, kl);
        stripe.order.replaceAt(pos, rec);
      }
      stripe.added(rec);
      stripe.release(head, 0);
      return;
    }
    stripe.index.publish(slot, h, rec);
    if (stripe.order !== null) stripe.order.insertAt(stripe.order.search(kb, kl), rec);
    stripe.added(rec);
  }

  /** Unpublishes the key whose chain starts at `head`, then frees its records. */
  unpublishKey(stripe: Stripe, head: number, kb: Uint8Array, kl: number): void {
    const bag = this.core.bag;
    const slot = stripe.index.slotOf(head);
    stripe.doom(head, bag);
    if (stripe.order !== null) {
      const pos = stripe.order.search(kb, kl);
      if (stripe.order.equal) stripe.order.removeAt(pos);
    }
    stripe.index.remove(slot);
    for (let cur = head; cur !== 0;) {
      const next = bag ? stripe.link(cur) : 0;
      stripe.release(cur, next);
      cur = next;
    }
  }

  /**
   * Unpublishes and frees every record of the stripe. Keys holding a BIG
   * record go one by one (their blocks are freed through S_DOOMED); the
   * others are unpublished at once, after which the chunk walk would find
   * their records if the writer died before freeing them.
   */
  clearStripe(stripe: Stripe): void {
    const core = this.core;
    const bag = core.bag;
    const heads: number[] = [];
    stripe.index.forEach((off) => heads.push(off));
    const i32 = core.mem.i32;
    const small: number[] = [];
    for (const head of heads) {
      let hasBig = false;
      for (let cur = head; cur !== 0 && !hasBig; cur = bag ? stripe.link(cur) : 0)
        hasBig = (i32[cur >> 2]! & BIG) !== 0;
      if (!hasBig) {
        small.push(head);
        continue;
      }
      const key = core.keyBytesOf(head);
      this.unpublishKey(stripe, head, key, key.length);
    }
    stripe.order?.clear();
    stripe.index.clear();
    for (const head of small) {
      for (let cur = head; cur !== 0;) {
        const next = bag ? stripe.link(cur) : 0;
        stripe.release(cur, next);
        cur = next;
      }
    }
  }

  /** Removes the records of one key's chain that `matches` accepts. Returns how many. */
  removeMatching(stripe: Stripe, head: number, kb: Uint8Array, kl: number, matches: (object: T) => boolean): number {
    const core = this.core;
    if (!core.bag) {
      if (!matches(core.decodeAt(head))) return 0;
      this.unpublishKey(stripe, head, kb, kl);
      return 1;
    }
    let removed = 0;
    let prev = 0;
    let first = head;
    for (let cur = head; cur !== 0;) {
      const next = stripe.link(cur);
      if (matches(core.decodeAt(cur))) {
        if (prev === 0) {
          if (next === 0) {
            this.unpublishKey(stripe, cur, kb, kl);
            return removed + 1;
          }
          stripe.doom(cur, false);
          stripe.index.replace(stripe.index.slotOf(first), next);
          first = next;
        } else {
          stripe.doom(cur, false);
          stripe.setLink(prev, next);
        }
        stripe.release(cur, 0);
        removed++;
      } else {
        prev = cur;
      }
      cur = next;
    }
    return removed;
  }

  /**
   * Publishes a record a transaction planned (room reserved). Idempotent,
   * since a repair replays plans: a record already published is left alone.
   * A bag that already holds the same object frees the record instead,
   * through its plan entry `view[index]`. `e` and `object` are what the
   * writer encoded, when it is the writer calling.
   */
  publishPlanned(
    stripe: Stripe,
    rec: number,
    view: Int32Array,
    index: number,
    e?: EncodedObject,
    object?: unknown,
  ): void {
    const core = this.core;
    let h: number;
    let kb: Uint8Array;
    if (e !== undefined) {
      h = e.h;
      kb = e.key;
    } else {
      h = core.mem.i32[(rec >> 2) + R_HASH]!;
      kb = core.keyBytesOf(rec);
    }
    const kl = kb.length;
    const head = stripe.index.find(h, kb, kl);
    const slot = stripe.index.slot;
    if (head === rec) return;
    if (head > 0 && core.bag) {
      let tail = head;
      for (let cur = head; cur !== 0; cur = stripe.link(cur)) {
        if (cur === rec) return;
        if (core.typeCode === BAG && this.sameRecord(cur, rec, kl, object)) {
          stripe.heap.freeFrom(view, index);
          return;
        }
        tail = cur;
      }
      stripe.setLink(tail, rec);
      stripe.added(rec);
      return;
    }
    this.publish(stripe, head, slot, h, kb, kl, rec);
  }

  /** Whether the record at `off` holds the same object as the one being written (`tuple`, encoded). */
  sameObject(off: number, kl: number, tuple: Uint8Array, whole: boolean, object: unknown): boolean {
    const mem = this.core.mem;
    const i32 = mem.i32;
    const w0 = i32[off >> 2]!;
    if (!whole && (w0 & TUPLE) === 0) {
      const start = off + RECORD_HEADER + kl;
      const end = off + (w0 & ~FLAG_MASK) - (i32[(off >> 2) + R_LINK]! & FLAG_MASK);
      if (end - start === tuple.length) {
        const u8 = mem.u8;
        let i = 0;
        while (i < tuple.length && u8[start + i] === tuple[i]) i++;
        if (i === tuple.length) return true;
      }
    }
    return termEquals(this.core.decodeAt(off), object);
  }

  /** Whether records `a` and `b` (of one key, encoded in `kl` bytes) hold the same object; `object` is b's, if known. */
  private sameRecord(a: number, b: number, kl: number, object?: unknown): boolean {
    const mem = this.core.mem;
    const i32 = mem.i32;
    const wa = i32[a >> 2]!;
    const wb = i32[b >> 2]!;
    if ((wa & TUPLE) === 0 && (wb & TUPLE) === 0) {
      const u8 = mem.u8;
      const start = RECORD_HEADER + kl;
      const len = (wa & ~FLAG_MASK) - (i32[(a >> 2) + R_LINK]! & FLAG_MASK) - start;
      if (len === (wb & ~FLAG_MASK) - (i32[(b >> 2) + R_LINK]! & FLAG_MASK) - start) {
        let i = 0;
        while (i < len && u8[a + start + i] === u8[b + start + i]) i++;
        if (i === len) return true;
      }
    }
    return termEquals(this.core.decodeAt(a), object ?? this.core.decodeAt(b));
  }
}
