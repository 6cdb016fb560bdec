/**
 * Training a preset dictionary for deflate on sample records, after the
 * idea of zstd's COVER trainer: content that recurs across many samples is
 * worth a place. Each sample is cut into segments; a segment scores the
 * number of samples that contain each of its 8-byte grams (grams found in
 * two or more samples only); the best segments are taken greedily, a taken
 * gram scoring nothing afterwards, until the dictionary is full. The best
 * go last: deflate codes nearer matches in fewer bits. Grams are 32-bit
 * hashes (a collision only misjudges a segment's worth).
 */
import { deflateRawSync } from 'node:zlib';

const GRAM = 8;
const SEGMENT = 64;
const STEP = 16;

function gramHash(b: Uint8Array, i: number): number {
  let h = 0x9e3779b1;
  for (let j = 0; j < GRAM; j++) h = Math.imul(h ^ b[i + j]!, 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}

export function trainDictionary(samples: readonly Uint8Array[], size: number): Uint8Array {
  if (size === 0 || samples.length === 0) return new Uint8Array(0);
  const grams = samples.map((s) => {
    const g = new Uint32Array(Math.max(0, s.length - GRAM + 1));
    for (let i = 0; i < g.length; i++) g[i] = gramHash(s, i);
    return g;
  });
  const df = new Map<number, number>();
  for (const g of grams) {
    for (const h of new Set(g)) df.set(h, (df.get(h) ?? 0) + 1);
  }
  type Segment = { sample: number; start: number; end: number; score: number };
  const score = (seg: Segment): number => {
    const g = grams[seg.sample]!;
    let n = 0;
    for (let i = seg.start; i + GRAM <= seg.end; i++) {
      const c = df.get(g[i]!) ?? 0;
      if (c >= 2) n += c;
    }
    return n;
  };
  const segments: Segment[] = [];
  samples.forEach((s, sample) => {
    for (let start = 0; start + GRAM <= s.length; start += STEP) {
      const seg = { sample, start, end: Math.min(s.length, start + SEGMENT), score: 0 };
      seg.score = score(seg);
      if (seg.score > 0) segments.push(seg);
    }
  });
  const heap = new MaxHeap(segments);
  const chosen: Segment[] = [];
  let total = 0;
  // Lazy greedy: rescore the best; take it if it still beats the next best, else put it back with its new score.
  while (total < size && heap.size > 0) {
    const top = heap.pop();
    const fresh = score(top);
    if (fresh <= 0) continue;
    if (heap.size > 0 && fresh < heap.peekScore()) {
      top.score = fresh;
      heap.push(top);
      continue;
    }
    chosen.push(top);
    total += top.end - top.start;
    const g = grams[top.sample]!;
    for (let i = top.start; i + GRAM <= top.end; i++) df.delete(g[i]!);
  }
  chosen.reverse();
  const all = Buffer.concat(chosen.map((c) => samples[c.sample]!.subarray(c.start, c.end)));
  return Uint8Array.from(all.subarray(Math.max(0, all.length - size)));
}

class MaxHeap<T extends { score: number }> {
  private readonly items: T[] = [];

  constructor(items: T[]) {
    for (const item of items) this.push(item);
  }

  get size(): number {
    return this.items.length;
  }

  peekScore(): number {
    return this.items[0]!.score;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.score >= a[i]!.score) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  pop(): T {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.score > a[m]!.score) m = l;
        if (r < a.length && a[r]!.score > a[m]!.score) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * The better of two dictionaries for `samples`: the trained one above, and
 * the plainest, the samples themselves laid end to end (the last `size`
 * bytes). Each is judged by the bytes deflate makes of every fourth sample
 * with it (the others train), and the smaller wins: on records as uniform
 * as a session cache's, whole records can beat picked segments.
 */
export function chooseDictionary(samples: readonly Uint8Array[], size: number, level: number): Uint8Array {
  const judge = samples.filter((_, i) => i % 4 === 3);
  const learn = samples.filter((_, i) => i % 4 !== 3);
  const candidates = [trainDictionary(learn, size), tail(learn, size)].filter((d) => d.length > 0);
  if (candidates.length === 0) return new Uint8Array(0);
  let best = candidates[0]!;
  let bestBytes = Infinity;
  for (const d of candidates) {
    const dictionary = Buffer.from(d.buffer, d.byteOffset, d.length);
    const bytes = judge.reduce((n, s) => n + deflateRawSync(s, { level, dictionary }).length, 0);
    if (bytes < bestBytes) {
      best = d;
      bestBytes = bytes;
    }
  }
  // The chosen kind, trained again on every sample.
  return best === candidates[0] && candidates.length === 2 ? trainDictionary(samples, size) : tail(samples, size);
}

function tail(samples: readonly Uint8Array[], size: number): Uint8Array {
  const all = Buffer.concat(samples.map((s) => Buffer.from(s.buffer, s.byteOffset, s.length)));
  return Uint8Array.from(all.subarray(Math.max(0, all.length - size)));
}
