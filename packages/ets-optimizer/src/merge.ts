/**
 * Merging the shards of an ordered_set: each shard returns its records in
 * key order, and a binary heap over the shards' heads yields them in the
 * table's order (O(n log shards) key comparisons).
 */
import { compareTerms } from '@erlmcp/ets';

type Rec = readonly unknown[];

/** Calls `visit` on the records of `lists` (each sorted by element 0, descending with `reverse`) in merged order, until it returns false. */
export function mergeSorted(lists: readonly Rec[][], reverse: boolean, visit: (rec: Rec) => boolean | void): void {
  const sign = reverse ? -1 : 1;
  const heap: { list: Rec[]; at: number }[] = [];
  const less = (a: { list: Rec[]; at: number }, b: { list: Rec[]; at: number }): boolean =>
    sign * compareTerms(a.list[a.at]![0], b.list[b.at]![0]) < 0;
  const up = (i: number): void => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (const list of lists) {
    if (list.length === 0) continue;
    heap.push({ list, at: 0 });
    up(heap.length - 1);
  }
  while (heap.length > 0) {
    const top = heap[0]!;
    if (visit(top.list[top.at]!) === false) return;
    top.at++;
    if (top.at === top.list.length) {
      const last = heap.pop()!;
      if (heap.length === 0) return;
      heap[0] = last;
    }
    down(0);
  }
}
