/** The peers: naive attention in plain JavaScript, and onnxruntime-node's graph and MultiHeadAttention op. */
import { naiveAttention } from '@erlmcp/flash-attention-stream';
import type { Measurement } from '../../harness/types';
import { D, HEADS, flops, inputs, medianCpuMs, medianMs, repsFor } from './data';
import { attentionGraph, multiHeadAttention, ort, session } from './onnx-models';

/** Naive attention, 8 heads, one thread: GFLOP per CPU-second. */
export async function naive(n: number): Promise<Measurement> {
  const x = inputs(n);
  const ms = await medianCpuMs(n <= 512 ? 3 : 1, () => naiveAttention(x));
  return { value: flops(n) / (ms * 1e6), ms };
}

/** The bytes of scores naive attention holds (one head's N x N, the size it allocated) at this n. */
export async function naiveScratch(n: number): Promise<Measurement> {
  const result = naiveAttention(inputs(n, 1));
  return { value: result.scratchBytes };
}

/** (1, heads, n, d) -> (1, n, heads * d), for the MultiHeadAttention op. */
function packed(t: Float32Array, n: number): Float32Array {
  const out = new Float32Array(t.length);
  for (let h = 0; h < HEADS; h++)
    for (let i = 0; i < n; i++) out.set(t.subarray((h * n + i) * D, (h * n + i + 1) * D), (i * HEADS + h) * D);
  return out;
}

/**
 * onnxruntime running the attention graph (or the MHA op) on `threads`
 * threads, over the same data: GFLOP per CPU-second on one thread (as ours
 * on one thread), GFLOP per wall-second on its default threads (as ours on a
 * pool).
 */
export async function onnxruntime(n: number, threads: number, op: 'graph' | 'mha' = 'graph'): Promise<Measurement> {
  const x = inputs(n);
  const s = await session(op === 'graph' ? attentionGraph(HEADS, D) : multiHeadAttention(HEADS, D), threads);
  const dims = op === 'graph' ? [1, HEADS, n, D] : [1, n, HEADS * D];
  const shape = (t: Float32Array) => new ort.Tensor('float32', op === 'graph' ? t : packed(t, n), dims);
  const feeds = { Q: shape(x.q), K: shape(x.k), V: shape(x.v) };
  await s.run(feeds); // untimed: onnxruntime plans and allocates for this shape on its first run
  const ms = await (threads === 1 ? medianCpuMs : medianMs)(repsFor(n), () => s.run(feeds));
  await s.release();
  return { value: flops(n) / (ms * 1e6), ms };
}

/** onnxruntime's whole run on one thread at this n, wall ms: what a caller waits for its first row. */
export async function onnxruntimeFirstRow(n: number): Promise<Measurement> {
  const x = inputs(n);
  const s = await session(attentionGraph(HEADS, D), 1);
  const feeds = {
    Q: new ort.Tensor('float32', x.q, [1, HEADS, n, D]),
    K: new ort.Tensor('float32', x.k, [1, HEADS, n, D]),
    V: new ort.Tensor('float32', x.v, [1, HEADS, n, D]),
  };
  await s.run(feeds);
  const ms = await medianMs(repsFor(n), () => s.run(feeds));
  await s.release();
  return { value: ms, ms };
}
