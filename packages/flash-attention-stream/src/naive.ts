/**
 * Naive attention in plain JavaScript, f32 storage: the whole score matrix
 * of a head materialized (N x N floats), a softmax over each row, then times
 * V. What tiling avoids; used to measure the speedup `stats` reports when
 * asked, and by the benchmarks as a peer.
 */
import type { AttentionInput } from './shape';

export interface NaiveResult {
  out: Float32Array;
  /** Bytes of the score matrix it held (one head at a time). */
  scratchBytes: number;
}

export function naiveAttention(input: AttentionInput): NaiveResult {
  const { batch, heads, d } = input.shape;
  const kvHeads = input.shape.kvHeads ?? heads;
  const n = input.shape.queries;
  const m = input.shape.keys ?? n;
  const scale = input.scale ?? 1 / Math.sqrt(d);
  const { q, k, v } = input;
  const out = new Float32Array(batch * heads * n * d);
  const scores = new Float32Array(n * m);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const qb = (b * heads + h) * n * d;
      const kb = (b * kvHeads + Math.floor(h / (heads / kvHeads))) * m * d;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[qb + i * d + c]! * k[kb + j * d + c]!;
          scores[i * m + j] = input.causal === true && j > i + m - n ? -Infinity : dot * scale;
        }
      }
      for (let i = 0; i < n; i++) {
        let max = -Infinity;
        for (let j = 0; j < m; j++) max = Math.max(max, scores[i * m + j]!);
        let sum = 0;
        for (let j = 0; j < m; j++) {
          const p = max === -Infinity ? 0 : Math.exp(scores[i * m + j]! - max);
          scores[i * m + j] = p;
          sum += p;
        }
        for (let j = 0; j < m; j++) scores[i * m + j] = sum > 0 ? scores[i * m + j]! / sum : 0;
      }
      for (let i = 0; i < n; i++) {
        const o = qb + i * d;
        for (let j = 0; j < m; j++) {
          const p = scores[i * m + j]!;
          const vr = kb + j * d;
          for (let c = 0; c < d; c++) out[o + c] += p * v[vr + c]!;
        }
      }
    }
  }
  return { out, scratchBytes: scores.byteLength };
}
