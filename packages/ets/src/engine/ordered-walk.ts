/**
 * first/last/next/prev. An ordered_set walks its stripes' key orders and takes
 * the nearest key over all stripes (each stripe ordered by key encoding, which
 * sorts as the terms do); other types walk hash slots, stripe after stripe, as
 * ETS walks a hash table's buckets.
 */
import { BadArgError } from '../errors';
import { hashKey } from '../key-hash';
import { RECORD_HEADER, TUPLE } from '../layout';
import type { Stripe } from '../stripe';
import type { Tuple } from '../types';
import type { TableCore } from './core';

/** What first/next/last/prev return past the last key ('$end_of_table' in ETS). */
export const END_OF_TABLE: unique symbol = Symbol.for('ets.$end_of_table');
export type EndOfTable = typeof END_OF_TABLE;

/** @internal first/last: the smallest or largest key (ordered_set), or the first key in slot order. */
export function edge(core: TableCore<Tuple>, last: boolean): unknown {
  if (core.ordered) {
    let best: { key: Uint8Array; stripe: Stripe } | null = null;
    for (const stripe of core.stripes) {
      stripe.readLock();
      try {
        const order = stripe.order!;
        const count = order.count;
        if (count === 0) continue;
        const key = core.keyBytesOf(order.at(last ? count - 1 : 0));
        if (best === null || Buffer.compare(key, best.key) > 0 === last) best = { key, stripe };
      } finally {
        stripe.readUnlock();
      }
    }
    return best === null ? END_OF_TABLE : keyOfRecord(core, best.stripe, best.key);
  }
  return slotWalk(core, 0, -1);
}

/** @internal next/prev: the key after (before, `backwards`) `key`. */
export function step(core: TableCore<Tuple>, key: unknown, backwards: boolean): unknown {
  const codec = core.codec;
  codec.encodeKey(key);
  if (core.ordered) {
    const kb = codec.kw.copy(codec.kl);
    let best: { key: Uint8Array; stripe: Stripe } | null = null;
    for (const stripe of core.stripes) {
      stripe.readLock();
      try {
        const order = stripe.order!;
        let pos = order.search(kb, kb.length);
        if (backwards) pos -= 1;
        else if (order.equal) pos += 1;
        if (pos < 0 || pos >= order.count) continue;
        const k = core.keyBytesOf(order.at(pos));
        if (best === null || Buffer.compare(k, best.key) < 0 !== backwards) best = { key: k, stripe };
      } finally {
        stripe.readUnlock();
      }
    }
    return best === null ? END_OF_TABLE : keyOfRecord(core, best.stripe, best.key);
  }
  const s = core.stripeNumberOf(codec.h);
  const stripe = core.stripes[s]!;
  let slot: number;
  stripe.readLock();
  try {
    const off = stripe.index.find(codec.h, codec.kw.buf, codec.kl);
    if (off <= 0)
      throw new BadArgError(`next: the key is not in table ${core.name} (iteration over a changing hash table)`);
    slot = stripe.index.slot;
  } finally {
    stripe.readUnlock();
  }
  return slotWalk(core, s, slot);
}

/** The first key in slot order after (stripe s, slot), continuing into later stripes. */
function slotWalk(core: TableCore<Tuple>, s: number, slot: number): unknown {
  for (; s < core.stripes.length; s++, slot = -1) {
    const stripe = core.stripes[s]!;
    stripe.readLock();
    try {
      const next = stripe.index.nextOccupied(slot + 1);
      if (next < 0) continue;
      return keyOfRecordAt(core, stripe.index.at(next));
    } finally {
      stripe.readUnlock();
    }
  }
  return END_OF_TABLE;
}

/** The key of the record holding key encoding `key` (re-looked up under its stripe's lock). */
function keyOfRecord(core: TableCore<Tuple>, stripe: Stripe, key: Uint8Array): unknown {
  stripe.readLock();
  try {
    const off = stripe.index.find(hashKey(key, key.length), key, key.length);
    if (off > 0) return keyOfRecordAt(core, off);
  } finally {
    stripe.readUnlock();
  }
  return core.codec.kr.decode(key, 0);
}

/** Decodes a record's key (stripe locked); from the stored tuple when the encoding is lossy. */
function keyOfRecordAt(core: TableCore<Tuple>, off: number): unknown {
  if ((core.mem.i32[off >> 2]! & TUPLE) !== 0) return core.decodeAt(off)[core.kp];
  return core.codec.kr.decode(core.mem.u8.slice(off + RECORD_HEADER, core.keyEndOf(off)), 0);
}
