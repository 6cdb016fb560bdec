/**
 * The plain TypeScript kernel against the float64 reference: random shapes
 * (N = 1, sizes off the 64-row tile, every d, GQA/MQA), causal and key
 * masks, fully masked rows, extreme logits; and the typed errors of bad input.
 */
import fc from 'fast-check';
import {
  AttentionEngine,
  DtypeError,
  LimitError,
  NonFiniteError,
  ShapeError,
  referenceAttention,
  type AttentionInput,
} from '@erlmcp/flash-attention-stream';
import { caseArb, extremeLogitsProperty, hasNaN, makeInput, maxAbsDiff, tolerance } from './helpers';

const engine = new AttentionEngine({ kernel: 'js' });

describe('the TypeScript kernel', () => {
  it('is the js kernel when asked', () => {
    expect(engine.kernel.name).toBe('js');
  });

  it('matches the float64 reference on random shapes and masks', () => {
    fc.assert(
      fc.property(caseArb(), (c) => {
        const input = makeInput(c);
        const out = engine.compute(input);
        const ref = referenceAttention(input);
        expect(hasNaN(out)).toBe(false);
        expect(maxAbsDiff(out, ref)).toBeLessThanOrEqual(tolerance(input));
      }),
      { numRuns: 60 },
    );
  });

  it('stays finite and within tolerance for logits near +-1e4', () => {
    extremeLogitsProperty(engine);
  });

  it('gives zeros for fully masked rows (a batch entry with every key masked, rows before a causal window)', () => {
    const d = 32;
    const input: AttentionInput = {
      q: new Float32Array(2 * 1 * 3 * d).fill(1),
      k: new Float32Array(2 * 1 * 5 * d).fill(1),
      v: new Float32Array(2 * 1 * 5 * d).fill(2),
      shape: { batch: 2, heads: 1, queries: 3, keys: 5, d },
      keyMask: Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
    };
    const out = engine.compute(input);
    expect(Array.from(out.subarray(0, 3 * d))).toEqual(new Array(3 * d).fill(0));
    expect(Array.from(out.subarray(3 * d))).toEqual(new Array(3 * d).fill(2));
    // Causal with fewer keys than queries: row i sees keys <= i - 2, so rows 0 and 1 see none.
    const causal = engine.compute({
      ...input,
      keyMask: undefined,
      causal: true,
      shape: { batch: 2, heads: 1, queries: 3, keys: 1, d },
      k: input.k.subarray(0, 2 * d),
      v: input.v.subarray(0, 2 * d),
    });
    expect(Array.from(causal.subarray(0, 2 * d))).toEqual(new Array(2 * d).fill(0));
    expect(causal[2 * d]).toBe(2);
  });

  it('makes a row NaN, not zero, when its inputs hold NaN and the policy allows them', () => {
    const loose = new AttentionEngine({ kernel: 'js', nonFinite: 'allow' });
    const d = 32;
    const k = new Float32Array(4 * d).fill(0.5);
    k[2 * d + 3] = NaN;
    const out = loose.compute({
      q: new Float32Array(2 * d).fill(1),
      k,
      v: new Float32Array(4 * d).fill(1),
      shape: { batch: 1, heads: 1, queries: 2, keys: 4, d },
    });
    expect(Number.isNaN(out[0])).toBe(true);
  });
});

describe('bad input', () => {
  const d = 64;
  const good = (): AttentionInput => ({
    q: new Float32Array(2 * 4 * d),
    k: new Float32Array(2 * 4 * d),
    v: new Float32Array(2 * 4 * d),
    shape: { batch: 1, heads: 2, queries: 4, d },
  });

  it('names a length that does not match the shape', () => {
    expect(() => engine.compute({ ...good(), k: new Float32Array(7) })).toThrow(ShapeError);
    expect(() => engine.compute({ ...good(), k: new Float32Array(7) })).toThrow(/k has 7 elements/);
  });

  it('names a wrong dtype', () => {
    expect(() => engine.compute({ ...good(), v: new Float64Array(2 * 4 * d) as unknown as Float32Array })).toThrow(
      DtypeError,
    );
    expect(() => engine.compute({ ...good(), v: new Float64Array(2 * 4 * d) as unknown as Float32Array })).toThrow(
      /v must be a Float32Array, got Float64Array/,
    );
    expect(() => engine.compute({ ...good(), keyMask: [1, 1, 1, 1] as unknown as Uint8Array })).toThrow(DtypeError);
  });

  it('refuses a d it has no kernel for, and kvHeads that do not divide heads', () => {
    expect(() => engine.compute({ ...good(), shape: { batch: 1, heads: 2, queries: 4, d: 48 } })).toThrow(
      /shape.d must be one of 32, 64, 128/,
    );
    expect(() => engine.compute({ ...good(), shape: { batch: 1, heads: 2, kvHeads: 3, queries: 4, d } })).toThrow(
      /kvHeads \(3\) must divide/,
    );
    expect(() => engine.compute({ ...good(), shape: { batch: 1.5, heads: 2, queries: 4, d } })).toThrow(ShapeError);
  });

  it('refuses lengths past maxSequence', () => {
    const small = new AttentionEngine({ kernel: 'js', maxSequence: 3 });
    expect(() => small.compute(good())).toThrow(LimitError);
    expect(() => small.compute(good())).toThrow(/queries \(4\) is past maxSequence \(3\)/);
  });

  it('refuses NaN and infinities under the default policy, naming where', () => {
    const input = good();
    input.q[d + 5] = Infinity;
    expect(() => engine.compute(input)).toThrow(NonFiniteError);
    expect(() => engine.compute(input)).toThrow(/q\[69\] is Infinity \(batch 0, head 0, row 1, column 5\)/);
  });

  it('keeps working after bad input, and frees what it had taken', () => {
    const before = engine.memory.stats().live;
    expect(() => engine.compute({ ...good(), scale: -1 })).toThrow(ShapeError);
    expect(engine.memory.stats().live).toBe(before);
    expect(engine.compute(good())).toHaveLength(2 * 4 * d);
  });
});
