/**
 * A full consistency check of a stripe (for tests and diagnostics, O(stripe)):
 * the structures a writer maintains must agree with each other exactly.
 */
import { ArenaCorruptedError, type Arena } from '@erlmcp/shm';
import { IntegrityError } from './errors';
import { compareBytes, skipKey } from './key-codec';
import {
  BIG,
  CHUNK_HEADER,
  CLASSES,
  FLAG_MASK,
  R_HASH,
  R_LINK,
  RECORD_HEADER,
  S_DOOMED,
  S_FREE,
  S_FREE_HEADS,
  S_FRESH,
  S_INDEX,
  S_KEYS,
  S_LIVE,
  S_OBJECTS,
  S_OLD,
  S_ORDER,
  S_PLAN,
  S_TX,
  S_TX_MEMBERS,
  USED,
} from './layout';
import type { Stripe } from './stripe';
import { ValueReader } from './value-reader';

/** Stripe words that name work in flight: all 0 between writes. */
const IN_FLIGHT: ReadonlyArray<readonly [number, string]> = [
  [S_FRESH, 'S_FRESH'],
  [S_OLD, 'S_OLD'],
  [S_DOOMED, 'S_DOOMED'],
  [S_TX, 'S_TX'],
  [S_PLAN, 'S_PLAN'],
  [S_TX_MEMBERS, 'S_TX_MEMBERS'],
];

/**
 * Throws IntegrityError on the first disagreement (the caller holds the
 * stripe's lock). Returns how many arena blocks the stripe owns (chunks,
 * index and order blocks, BIG records), for the caller's leak check.
 */
export function checkStripe(stripe: Stripe, n: number, bag: boolean): number {
  const fail = (message: string): never => {
    throw new IntegrityError(n, message);
  };
  const mem = stripe.mem;
  mem.refresh();
  const i32 = mem.i32;
  const u8 = mem.u8;
  const ctl = stripe.ctl;
  const reader = new ValueReader();
  for (const [word, name] of IN_FLIGHT)
    if (ctl[stripe.base + word] !== 0) fail(`${name} is ${ctl[stripe.base + word]} with no write in flight`);
  let arenaBlocks = 0;
  const blocks = new Map<number, number>();
  const walked = stripe.heap.forEachChunk((chunk, _size, top) => {
    arenaBlocks++;
    for (let b = chunk + CHUNK_HEADER; b < chunk + top;) {
      const size = i32[b >> 2]! & ~FLAG_MASK;
      if (size < 16 || b + size > chunk + top) fail(`chunk ${chunk}: block ${b} has size ${size}`);
      blocks.set(b, size);
      b += size;
    }
  });
  if (!walked) fail('the chunk list is malformed');
  const live = new Set<number>();
  let objects = 0;
  let liveBytes = 0;
  let keys = 0;
  const heads: number[] = [];
  stripe.index.forEach((head) => {
    keys++;
    heads.push(head);
    const h = i32[(head >> 2) + R_HASH]!;
    const keyEnd = skipKey(u8, head + RECORD_HEADER, head + (i32[head >> 2]! & ~FLAG_MASK));
    if (keyEnd < 0) fail(`record ${head} has a malformed key`);
    const kb = u8.slice(head + RECORD_HEADER, keyEnd);
    if (stripe.index.find(h, kb, kb.length) !== head) fail(`record ${head} is not found by its own key`);
    for (let cur = head; cur !== 0; cur = bag ? stripe.link(cur) : 0) {
      const w0 = i32[cur >> 2]!;
      if (live.has(cur)) fail(`record ${cur} is reachable twice`);
      if ((w0 & USED) === 0) fail(`record ${cur} is published but not marked used`);
      if ((w0 & BIG) === 0 && blocks.get(cur) !== (w0 & ~FLAG_MASK))
        fail(`record ${cur} is not a block of this stripe's chunks`);
      if ((w0 & BIG) !== 0) arenaBlocks++;
      if (i32[(cur >> 2) + R_HASH] !== h)
        fail(`record ${cur} in a chain of hash ${h} has hash ${i32[(cur >> 2) + R_HASH]}`);
      if (compareBytes(u8, cur + RECORD_HEADER, cur + RECORD_HEADER + kb.length, kb, 0, kb.length) !== 0)
        fail(`record ${cur} has another key than its chain`);
      const end = cur + (w0 & ~FLAG_MASK) - (i32[(cur >> 2) + R_LINK]! & FLAG_MASK);
      try {
        if (!Array.isArray(reader.decode(mem.buf, cur + RECORD_HEADER + kb.length, end)))
          fail(`record ${cur} does not hold a tuple`);
      } catch (error) {
        fail(`record ${cur} does not decode: ${String(error)}`);
      }
      live.add(cur);
      objects++;
      liveBytes += w0 & ~FLAG_MASK;
    }
  });
  if (keys !== ctl[stripe.base + S_KEYS]) fail(`${keys} keys indexed, counter says ${ctl[stripe.base + S_KEYS]}`);
  if (objects !== ctl[stripe.base + S_OBJECTS])
    fail(`${objects} objects reachable, counter says ${ctl[stripe.base + S_OBJECTS]}`);
  if (liveBytes !== ctl[stripe.base + S_LIVE])
    fail(`${liveBytes} live bytes, counter says ${ctl[stripe.base + S_LIVE]}`);
  let freeBytes = 0;
  const free = new Set<number>();
  for (let c = 0; c < CLASSES; c++) {
    for (let b = ctl[stripe.base + S_FREE_HEADS + c]!; b !== 0; b = i32[(b >> 2) + 1]!) {
      const size = blocks.get(b);
      if (size === undefined) fail(`free list ${c} holds ${b}, not a block`);
      if (size !== (c + 2) * 8) fail(`free block ${b} of ${size} bytes is on list ${c}`);
      if (free.has(b) || live.has(b)) fail(`block ${b} is free twice, or free and live`);
      free.add(b);
      freeBytes += size!;
    }
  }
  if (freeBytes !== ctl[stripe.base + S_FREE])
    fail(`${freeBytes} bytes on free lists, counter says ${ctl[stripe.base + S_FREE]}`);
  for (const b of blocks.keys()) if (!live.has(b) && !free.has(b)) fail(`block ${b} is neither live nor free (leaked)`);
  const order = stripe.order;
  if (order !== null) {
    if (order.count !== keys) fail(`order holds ${order.count} records for ${keys} keys`);
    const headSet = new Set(heads);
    let prev = -1;
    for (let pos = 0; pos < order.count; pos++) {
      const off = order.at(pos);
      if (!headSet.has(off)) fail(`order position ${pos} holds ${off}, not an indexed record`);
      if (prev >= 0) {
        const a = skipKey(u8, prev + RECORD_HEADER, prev + (i32[prev >> 2]! & ~FLAG_MASK));
        const b = skipKey(u8, off + RECORD_HEADER, off + (i32[off >> 2]! & ~FLAG_MASK));
        if (compareBytes(u8, prev + RECORD_HEADER, a, u8, off + RECORD_HEADER, b) >= 0)
          fail(`order is not strictly ascending at ${pos}`);
      }
      prev = off;
    }
  }
  if (ctl[stripe.base + S_INDEX] !== 0) arenaBlocks++;
  if (ctl[stripe.base + S_ORDER] !== 0) arenaBlocks++;
  return arenaBlocks;
}

/**
 * Checks every stripe's structures against each other and the arena's heap,
 * and that every live arena block belongs to a stripe (nothing leaked).
 * Holds every stripe meanwhile. Throws IntegrityError.
 */
export function checkTable(stripes: readonly Stripe[], arena: Arena, bag: boolean): void {
  let n = 0;
  try {
    for (; n < stripes.length; n++) stripes[n]!.readLock();
    let owned = 0;
    stripes.forEach((stripe, s) => (owned += checkStripe(stripe, s, bag)));
    try {
      arena.check();
    } catch (error) {
      if (error instanceof ArenaCorruptedError)
        throw new IntegrityError(null, `arena: ${error.message}`, { cause: error });
      throw error;
    }
    const live = arena.stats().liveBlocks;
    if (live !== owned)
      throw new IntegrityError(
        null,
        `the arena holds ${live} live blocks, the stripes own ${owned} (leaked: ${live - owned})`,
      );
  } finally {
    while (n-- > 0) stripes[n]!.readUnlock();
  }
}
