/**
 * The WebAssembly kernels (128-bit SIMD, and relaxed SIMD's fused
 * multiply-add) against the float64 reference and against the TypeScript
 * kernel, on the same random cases. They run from dist/wasm (npm test builds
 * it first).
 */
import fc from 'fast-check';
import { AttentionEngine, referenceAttention, type AttentionInput } from '@erlmcp/flash-attention-stream';
import { caseArb, extremeLogitsProperty, hasNaN, makeInput, maxAbsDiff, randomTensor, rng, tolerance } from './helpers';

const js = new AttentionEngine({ kernel: 'js' });

describe.each(['simd', 'relaxed'] as const)('the %s kernel', (name) => {
  const engine = new AttentionEngine({ kernel: name });

  it('loads', () => {
    expect(engine.kernel.name).toBe(name);
  });

  it('matches the float64 reference and the TypeScript kernel on random shapes and masks', () => {
    fc.assert(
      fc.property(caseArb(), (c) => {
        const input = makeInput(c);
        const out = engine.compute(input);
        expect(hasNaN(out)).toBe(false);
        const tol = tolerance(input);
        expect(maxAbsDiff(out, referenceAttention(input))).toBeLessThanOrEqual(tol);
        expect(maxAbsDiff(out, js.compute(input))).toBeLessThanOrEqual(2 * tol);
      }),
      { numRuns: 60 },
    );
  });

  it('stays finite and within tolerance for random logits near +-1e4', () => {
    extremeLogitsProperty(engine);
  });

  it('picks the right key when logits are exactly +1e4 and -1e4', () => {
    // q = (a, 0, ...), key j = (+-b, 0, ...) with a * b * scale = 1e4; one key is +1e4, the others -1e4.
    const d = 64;
    const n = 100;
    const a = 100;
    const b = (1e4 * Math.sqrt(d)) / a;
    const q = new Float32Array(n * d);
    const k = new Float32Array(n * d);
    const v = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      q[i * d] = a;
      k[i * d] = i === 37 ? b : -b;
      v[i * d + 1] = i;
    }
    const out = engine.compute({ q, k, v, shape: { batch: 1, heads: 1, queries: n, d } });
    for (let i = 0; i < n; i++) expect(out[i * d + 1]).toBe(37);
  });

  it('gives zeros for fully masked rows and NaN only from NaN inputs', () => {
    const d = 128;
    const input: AttentionInput = {
      q: new Float32Array(2 * 70 * d).fill(1),
      k: new Float32Array(2 * 70 * d).fill(1),
      v: new Float32Array(2 * 70 * d).fill(3),
      shape: { batch: 2, heads: 1, queries: 70, d },
      keyMask: new Uint8Array(140).fill(1, 70),
    };
    const out = engine.compute(input);
    expect(out.subarray(0, 70 * d).every((x) => x === 0)).toBe(true);
    expect(out.subarray(70 * d).every((x) => Math.abs(x - 3) < 1e-6)).toBe(true);
    const loose = new AttentionEngine({ kernel: name, nonFinite: 'allow' });
    const k = new Float32Array(70 * d).fill(0.1);
    k[65 * d] = NaN;
    const withNaN = loose.compute({
      q: new Float32Array(70 * d).fill(1),
      k,
      v: new Float32Array(70 * d).fill(1),
      shape: { batch: 1, heads: 1, queries: 70, d },
    });
    expect(Number.isNaN(withNaN[0])).toBe(true);
  });

  it('matches the reference at N = 2048 (64 row tiles, 32 key tiles), causal', () => {
    const random = rng(7);
    const n = 2048;
    const d = 64;
    const input: AttentionInput = {
      q: randomTensor(n * d, random),
      k: randomTensor(n * d, random),
      v: randomTensor(n * d, random),
      shape: { batch: 1, heads: 1, queries: n, d },
      causal: true,
    };
    expect(maxAbsDiff(engine.compute(input), referenceAttention(input))).toBeLessThanOrEqual(tolerance(input));
  });

  it('needs scratch that depends on d only, never on N', () => {
    expect(engine.kernel.scratchBytes(128)).toBeLessThan(128 * 1024);
    expect(engine.kernel.workingBytes(64)).toBeLessThanOrEqual(engine.kernel.workingBytes(128));
  });
});

describe("kernel 'auto'", () => {
  it('picks relaxed SIMD on this Node (the flag is set at run time before compiling)', () => {
    expect(new AttentionEngine().kernel.name).toBe('relaxed');
  });
});
