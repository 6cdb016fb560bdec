import fc from 'fast-check';
import {
  referenceAttention,
  type AttentionEngine,
  type AttentionInput,
  type AttentionShape,
} from '@erlmcp/flash-attention-stream';

/** A deterministic generator (xorshift32), so a failing property replays from its seed. */
export function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export function randomTensor(n: number, random: () => number, magnitude = 1): Float32Array {
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = (random() * 2 - 1) * magnitude;
  return t;
}

export interface Case {
  shape: Required<AttentionShape>;
  causal: boolean;
  /** Fraction of keys masked out (0: no mask). */
  maskRate: number;
  /** Batch entries whose every key is masked. */
  fullyMasked: boolean;
  magnitude: number;
  seed: number;
}

export function makeInput(c: Case): AttentionInput {
  const { batch, heads, kvHeads, queries, keys, d } = c.shape;
  const random = rng(c.seed);
  const input: AttentionInput = {
    q: randomTensor(batch * heads * queries * d, random, c.magnitude),
    k: randomTensor(batch * kvHeads * keys * d, random, c.magnitude),
    v: randomTensor(batch * kvHeads * keys * d, random),
    shape: c.shape,
    causal: c.causal,
  };
  if (c.maskRate > 0 || c.fullyMasked) {
    const mask = new Uint8Array(batch * keys);
    for (let i = 0; i < mask.length; i++) mask[i] = random() < c.maskRate ? 0 : 1;
    if (c.fullyMasked) mask.fill(0, 0, keys);
    input.keyMask = mask;
  }
  return input;
}

/** Shapes the properties draw from: N = 1, sizes around and off the row tile (32) and key tile (64), every d, GQA and MQA. */
export function caseArb(options: { maxRows?: number; magnitude?: fc.Arbitrary<number> } = {}): fc.Arbitrary<Case> {
  const maxRows = options.maxRows ?? 150;
  const rows = fc.oneof(fc.constantFrom(1, 2, 31, 32, 33, 63, 64, 65, 129), fc.integer({ min: 1, max: maxRows }));
  return fc
    .record({
      batch: fc.integer({ min: 1, max: 2 }),
      kvHeads: fc.integer({ min: 1, max: 2 }),
      group: fc.constantFrom(1, 2, 3),
      queries: rows,
      keys: rows,
      sameLength: fc.boolean(),
      d: fc.constantFrom(32, 64, 128),
      causal: fc.boolean(),
      maskRate: fc.constantFrom(0, 0, 0.3, 0.9),
      fullyMasked: fc.boolean(),
      magnitude: options.magnitude ?? fc.constantFrom(0.5, 1, 2),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
    })
    .map((r) => ({
      shape: {
        batch: r.batch,
        heads: r.kvHeads * r.group,
        kvHeads: r.kvHeads,
        queries: r.queries,
        keys: r.sameLength ? r.queries : r.keys,
        d: r.d,
      },
      causal: r.causal,
      maskRate: r.maskRate,
      fullyMasked: r.fullyMasked && r.maskRate > 0,
      magnitude: r.magnitude,
      seed: r.seed,
    }));
}

function maxRowNorm(t: Float32Array, d: number): number {
  let max = 0;
  for (let i = 0; i < t.length; i += d) {
    let s = 0;
    for (let c = 0; c < d; c++) s += t[i + c]! * t[i + c]!;
    max = Math.max(max, Math.sqrt(s));
  }
  return max;
}

/**
 * The documented tolerance: max|V| * (1e-5 + 4 sqrt(d) 2^-24 L), where
 * L = scale * max|q| * max|k| (row norms) bounds the scores' magnitude. The
 * second term is the f32 rounding of a d-term dot product, which moves a
 * softmax weight by as much relative to its value; it dominates only for
 * extreme logits.
 */
export function tolerance(input: AttentionInput): number {
  const d = input.shape.d;
  const scale = input.scale ?? 1 / Math.sqrt(d);
  let maxV = 0;
  for (const x of input.v) maxV = Math.max(maxV, Math.abs(x));
  const L = scale * maxRowNorm(input.q, d) * maxRowNorm(input.k, d);
  return maxV * (1e-5 + 4 * Math.sqrt(d) * 2 ** -24 * L);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(diff)) return Infinity;
    max = Math.max(max, diff);
  }
  return max;
}

export function hasNaN(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i]!)) return true;
  return false;
}

/** The property both kernels' tests check on extreme logits: finite, and within tolerance of the reference. */
export function extremeLogitsProperty(engine: AttentionEngine): void {
  fc.assert(
    fc.property(caseArb({ maxRows: 80, magnitude: fc.constantFrom(30, 60) }), (c) => {
      const input = makeInput(c);
      const out = engine.compute(input);
      if (hasNaN(out)) throw new Error('NaN in the output');
      const error = maxAbsDiff(out, referenceAttention(input));
      if (error > tolerance(input)) throw new Error(`error ${error} past the tolerance ${tolerance(input)}`);
    }),
    { numRuns: 25 },
  );
}
