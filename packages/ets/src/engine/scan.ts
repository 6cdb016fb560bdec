/**
 * Whole-table reads: every object, stripe by stripe, each stripe copied under
 * its lock into a snapshot and decoded after the lock is let go (so a visitor
 * may take as long as it likes); ordered_set snapshots are merged in key order.
 */
import { BadArgError } from '../errors';
import { Snapshot } from '../snapshot';
import type { SelectOptions, Tuple } from '../types';
import type { TableCore } from './core';

/** @internal Runs `visit` over every object (ordered_set: in key order; `reverse` walks backwards) until it returns false. */
export function scan<T extends Tuple>(
  core: TableCore<T>,
  options: SelectOptions,
  visit: (object: T) => boolean | void,
): void {
  const ordered = core.ordered;
  if (!ordered && options.range !== undefined) throw new BadArgError('a key range needs an ordered_set table');
  const reverse = options.reverse === true;
  const each = visit as (o: unknown[]) => boolean | void;
  const bounds = ordered && options.range !== undefined ? Snapshot.bounds(options.range, core.codec.kw) : null;
  const snapshots: Snapshot[] = [];
  const stripes = reverse && !ordered ? [...core.stripes].reverse() : core.stripes;
  for (const stripe of stripes) {
    let snap: Snapshot;
    stripe.readLock();
    try {
      snap = Snapshot.take(stripe, core.mem, core.bag, bounds);
    } finally {
      stripe.readUnlock();
    }
    if (ordered) snapshots.push(snap);
    else if (!snap.each(core.codec, reverse, each)) return;
  }
  if (ordered) Snapshot.merged(snapshots, core.codec, reverse, each);
}
