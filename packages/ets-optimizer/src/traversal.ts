/**
 * Walking the shards as one table: scans (select, fold, tab2list) and
 * first/next/last/prev. A hash table's order is shard by shard, each in its
 * own slot order; an ordered_set's is the key order, merged across shards.
 */
import { BadArgError, END_OF_TABLE, compareTerms, type SelectOptions, type Table } from '@erlmcp/ets';
import { mergeSorted } from './merge';

type Rec = unknown[];
const ALL = (): boolean => true;

/** Calls `visit` on every stored record in table order until it returns false. Each shard is read at one instant, one after the other. */
export function scanShards(
  shards: readonly Table[],
  ordered: boolean,
  options: SelectOptions,
  visit: (rec: Rec) => boolean | void,
): void {
  if (!ordered && options.range !== undefined) throw new BadArgError('a key range needs an ordered_set table');
  const reverse = options.reverse === true;
  if (!ordered) {
    const order = reverse ? [...shards].reverse() : shards;
    for (const shard of order) {
      const recs = reverse ? shard.foldr<Rec[]>((r, acc) => (acc.push(r), acc), []) : shard.tab2list();
      for (const r of recs) if (visit(r) === false) return;
    }
    return;
  }
  const select: SelectOptions = { reverse };
  if (options.range !== undefined) select.range = options.range;
  mergeSorted(
    shards.map((s) => s.select(ALL, select)),
    reverse,
    (r) => visit(r as Rec),
  );
}

/** first() (or last() with `last`, which for hash tables is first() as in ETS). */
export function edgeKey(shards: readonly Table[], ordered: boolean, last: boolean): unknown {
  if (!ordered) {
    for (const shard of shards) {
      const k = shard.first();
      if (k !== END_OF_TABLE) return k;
    }
    return END_OF_TABLE;
  }
  let best: unknown = END_OF_TABLE;
  for (const shard of shards) {
    const k = last ? shard.last() : shard.first();
    if (k !== END_OF_TABLE && (best === END_OF_TABLE || compareTerms(k, best) * (last ? -1 : 1) < 0)) best = k;
  }
  return best;
}

/**
 * next(key) (prev with `backwards`, for ordered_set; for hash tables prev is
 * next, as in ETS). A hash table's key must be present (BadArgError
 * otherwise, as ETS without safe_fixtable); `shard` is its shard's index.
 */
export function stepKey(
  shards: readonly Table[],
  ordered: boolean,
  key: unknown,
  shard: number,
  backwards: boolean,
): unknown {
  if (!ordered) {
    const k = shards[shard]!.next(key);
    if (k !== END_OF_TABLE) return k;
    for (let s = shard + 1; s < shards.length; s++) {
      const first = shards[s]!.first();
      if (first !== END_OF_TABLE) return first;
    }
    return END_OF_TABLE;
  }
  let best: unknown = END_OF_TABLE;
  for (const s of shards) {
    const k = backwards ? s.prev(key) : s.next(key);
    if (k !== END_OF_TABLE && (best === END_OF_TABLE || compareTerms(k, best) * (backwards ? -1 : 1) < 0)) best = k;
  }
  return best;
}
