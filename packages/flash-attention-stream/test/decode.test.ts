/**
 * Incremental decoding with a KV cache: each step's rows against the whole
 * cache must equal the same rows of a full causal recomputation over the
 * whole sequence; the cache grows in place; bad steps append nothing.
 */
import fc from 'fast-check';
import {
  AttentionEngine,
  LimitError,
  NotRunningError,
  ShapeError,
  referenceAttention,
  type DecodeStep,
} from '@erlmcp/flash-attention-stream';
import { maxAbsDiff, randomTensor, rng, tolerance } from './helpers';

/** Concatenates per-step tensors (batch, heads, tokens_s, d) along the token axis. */
function concatTokens(parts: Float32Array[], tokens: number[], batch: number, heads: number, d: number): Float32Array {
  const total = tokens.reduce((a, b) => a + b, 0);
  const out = new Float32Array(batch * heads * total * d);
  let at = 0;
  parts.forEach((part, s) => {
    const t = tokens[s]!;
    for (let bh = 0; bh < batch * heads; bh++)
      out.set(part.subarray(bh * t * d, (bh + 1) * t * d), (bh * total + at) * d);
    at += t;
  });
  return out;
}

describe.each(['relaxed', 'js'] as const)('decode with the %s kernel', (kernel) => {
  const engine = new AttentionEngine({ kernel });

  it('gives each step the rows of a full causal recomputation', () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 2 }),
          kvHeads: fc.integer({ min: 1, max: 2 }),
          group: fc.constantFrom(1, 2, 4),
          d: fc.constantFrom(32, 64, 128),
          steps: fc.array(fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 70 })), { minLength: 1, maxLength: 6 }),
          seed: fc.integer({ min: 1, max: 2 ** 30 }),
        }),
        ({ batch, kvHeads, group, d, steps, seed }) => {
          const heads = kvHeads * group;
          const random = rng(seed);
          const total = steps.reduce((a, b) => a + b, 0);
          const cache = engine.createCache({ batch, heads, kvHeads, d, capacity: total + 3 });
          const qs: Float32Array[] = [];
          const ks: Float32Array[] = [];
          const vs: Float32Array[] = [];
          const outs: Float32Array[] = [];
          for (const t of steps) {
            const step: DecodeStep = {
              q: randomTensor(batch * heads * t * d, random),
              k: randomTensor(batch * kvHeads * t * d, random),
              v: randomTensor(batch * kvHeads * t * d, random),
            };
            qs.push(step.q);
            ks.push(step.k);
            vs.push(step.v);
            outs.push(engine.decode(cache, step));
          }
          expect(cache.length).toBe(total);
          cache.close();
          const full = {
            q: concatTokens(qs, steps, batch, heads, d),
            k: concatTokens(ks, steps, batch, kvHeads, d),
            v: concatTokens(vs, steps, batch, kvHeads, d),
            shape: { batch, heads, kvHeads, queries: total, d },
            causal: true,
          };
          const ref = referenceAttention(full);
          expect(maxAbsDiff(concatTokens(outs, steps, batch, heads, d), ref)).toBeLessThanOrEqual(tolerance(full));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('applies a key mask given with the tokens to every later step', () => {
    const d = 32;
    const random = rng(3);
    const cache = engine.createCache({ batch: 2, heads: 1, d, capacity: 8 });
    // Batch 0's prompt is left-padded by two tokens.
    const prompt: DecodeStep = {
      q: randomTensor(2 * 4 * d, random),
      k: randomTensor(2 * 4 * d, random),
      v: randomTensor(2 * 4 * d, random),
      keyMask: Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1]),
    };
    engine.decode(cache, prompt);
    const step: DecodeStep = {
      q: randomTensor(2 * d, random),
      k: randomTensor(2 * d, random),
      v: randomTensor(2 * d, random),
    };
    const out = engine.decode(cache, step);
    const full = {
      q: concatTokens([prompt.q, step.q], [4, 1], 2, 1, d),
      k: concatTokens([prompt.k, step.k], [4, 1], 2, 1, d),
      v: concatTokens([prompt.v, step.v], [4, 1], 2, 1, d),
      shape: { batch: 2, heads: 1, queries: 5, d },
      causal: true,
      keyMask: Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1, 1, 1]),
    };
    const ref = referenceAttention(full);
    // The step's row is row 4 of each batch entry of the full result.
    expect(maxAbsDiff(out, [...ref.subarray(4 * d, 5 * d), ...ref.subarray(9 * d, 10 * d)])).toBeLessThanOrEqual(
      tolerance(full),
    );
    cache.close();
  });

  it('grows in place: the memory in use does not change from step to step', () => {
    const d = 64;
    const random = rng(11);
    const cache = engine.createCache({ batch: 1, heads: 4, d, capacity: 256 });
    const live: number[] = [];
    for (let s = 0; s < 20; s++) {
      engine.decode(cache, {
        q: randomTensor(4 * d, random),
        k: randomTensor(4 * d, random),
        v: randomTensor(4 * d, random),
      });
      live.push(engine.memory.stats().live);
    }
    expect(new Set(live).size).toBe(1);
    cache.close();
  });

  it('refuses a step past the capacity or of the wrong shape, appending nothing', () => {
    const d = 32;
    const cache = engine.createCache({ batch: 1, heads: 2, d, capacity: 3 });
    const step = (t: number): DecodeStep => ({
      q: new Float32Array(2 * t * d),
      k: new Float32Array(2 * t * d),
      v: new Float32Array(2 * t * d),
    });
    engine.decode(cache, step(2));
    expect(() => engine.decode(cache, step(2))).toThrow(LimitError);
    expect(() => engine.decode(cache, step(2))).toThrow(/holds 2 of 3 tokens: 2 more do not fit/);
    expect(() => engine.decode(cache, { ...step(1), k: new Float32Array(5) })).toThrow(ShapeError);
    expect(cache.length).toBe(2);
    engine.decode(cache, step(1));
    expect(cache.length).toBe(3);
    cache.close();
    expect(() => engine.decode(cache, step(1))).toThrow(NotRunningError);
  });
});
