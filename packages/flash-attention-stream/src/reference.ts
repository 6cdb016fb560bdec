/**
 * The float64 reference: scores materialized one row at a time, exact
 * softmax, times V, all in double precision from the f32 inputs. Slow
 * (O(N^2 d) with no tiling) and meant for tests and checks. A row that sees
 * no key (fully masked) is all zeros, the same documented result as the
 * kernels'.
 */
import { checkInput, type AttentionInput } from './shape';

export function referenceAttention(input: AttentionInput): Float64Array {
  const { batch, heads, kvHeads, queries, keys, d } = checkInput(input, Number.MAX_SAFE_INTEGER, 'allow');
  const { q, k, v, keyMask } = input;
  const scale = input.scale ?? 1 / Math.sqrt(d);
  const offset = keys - queries;
  const group = heads / kvHeads;
  const out = new Float64Array(batch * heads * queries * d);
  const s = new Float64Array(keys);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const qBase = (b * heads + h) * queries * d;
      const kvBase = (b * kvHeads + Math.floor(h / group)) * keys * d;
      for (let i = 0; i < queries; i++) {
        let max = -Infinity;
        for (let j = 0; j < keys; j++) {
          const visible =
            (input.causal !== true || j <= i + offset) && (keyMask === undefined || keyMask[b * keys + j] !== 0);
          if (!visible) {
            s[j] = -Infinity;
            continue;
          }
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[qBase + i * d + c]! * k[kvBase + j * d + c]!;
          s[j] = dot * scale;
          if (s[j]! > max) max = s[j]!;
        }
        const row = qBase + i * d;
        if (max === -Infinity) continue; // nothing visible: zeros
        let sum = 0;
        for (let j = 0; j < keys; j++) {
          const p = s[j] === -Infinity ? 0 : Math.exp(s[j]! - max);
          s[j] = p;
          sum += p;
        }
        for (let j = 0; j < keys; j++) {
          const p = s[j]! / sum;
          if (p === 0) continue;
          for (let c = 0; c < d; c++) out[row + c] += p * v[kvBase + j * d + c]!;
        }
      }
    }
  }
  return out;
}
