/**
 * Training a preset dictionary for deflate on sample records, after the
 * idea of zstd's COVER trainer: content that recurs across many samples is
 * worth a place. Each sample is cut into segments; a segment scores the
 * number of samples that contain each of its 8-byte grams (counting a gram
 * once per sample, and only grams found in two or more); the best segments
 * are taken greedily, a taken gram scoring nothing afterwards, until the
 * dictionary is full. The best go last: deflate codes nearer matches in
 * fewer bits.
 */
const GRAM = 8;
const SEGMENT = 64;
const STEP = 16;

function gramKey(b: Uint8Array, i: number): string {
  return Buffer.from(b.buffer, b.byteOffset + i, GRAM).toString('latin1');
}

export function trainDictionary(samples: readonly Uint8Array[], size: number): Uint8Array {
  if (size === 0 || samples.length === 0) return new Uint8Array(0);
  const df = new Map<string, number>();
  for (const s of samples) {
    const seen = new Set<string>();
    for (let i = 0; i + GRAM <= s.length; i++) seen.add(gramKey(s, i));
    for (const g of seen) df.set(g, (df.get(g) ?? 0) + 1);
  }
  type Segment = { sample: Uint8Array; start: number; end: number; grams: string[] };
  const segments: Segment[] = [];
  for (const s of samples) {
    for (let start = 0; start < s.length; start += STEP) {
      const end = Math.min(s.length, start + SEGMENT);
      if (end - start < GRAM) break;
      const grams: string[] = [];
      for (let i = start; i + GRAM <= end; i++) grams.push(gramKey(s, i));
      segments.push({ sample: s, start, end, grams });
    }
  }
  const score = (seg: Segment): number => {
    const seen = new Set<string>();
    let n = 0;
    for (const g of seg.grams) {
      if (seen.has(g)) continue;
      seen.add(g);
      const c = df.get(g) ?? 0;
      if (c >= 2) n += c;
    }
    return n;
  };
  const chosen: { seg: Segment; score: number }[] = [];
  let total = 0;
  // Lazy greedy: rescore the best candidate; take it if it still beats the next.
  let heap = segments.map((seg) => ({ seg, score: score(seg) })).sort((a, b) => b.score - a.score);
  while (total < size && heap.length > 0) {
    const top = heap[0]!;
    const fresh = score(top.seg);
    if (fresh <= 0) break;
    if (heap.length > 1 && fresh < heap[1]!.score) {
      top.score = fresh;
      heap = insertSorted(heap.slice(1), top);
      continue;
    }
    heap.shift();
    chosen.push({ seg: top.seg, score: fresh });
    total += top.seg.end - top.seg.start;
    for (const g of top.seg.grams) df.delete(g);
  }
  // Best last; cut from the front when over size.
  chosen.reverse();
  const parts = chosen.map((c) => c.seg.sample.subarray(c.seg.start, c.seg.end));
  const all = Buffer.concat(parts);
  return Uint8Array.from(all.subarray(Math.max(0, all.length - size)));
}

function insertSorted<T extends { score: number }>(list: T[], item: T): T[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.score > item.score) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
  return list;
}
