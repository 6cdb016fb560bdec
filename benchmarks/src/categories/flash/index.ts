import path from 'node:path';
import type { Category } from '../../harness/types';
import * as ours from './ours';
import * as peer from './peer';
import { simdPeak } from './simd-peak';

/**
 * @erlmcp/flash-attention-stream against naive JavaScript attention and
 * onnxruntime-node (a MatMul -> Softmax -> MatMul graph, and its
 * MultiHeadAttention op), d = 64, 8 heads, f32, the same data on both sides.
 * Sizes are sequence lengths N.
 */
export const flash: Category = {
  name: 'flash',
  peer: 'onnxruntime-node 1.31.1',
  readme: path.resolve(__dirname, '../../../../packages/flash-attention-stream/README.md'),
  scenarios: [
    {
      name: 'vs_naive_512',
      unit: 'GFLOP/s',
      size: { full: 512, smoke: 64 },
      peerLabel: 'naive JS',
      ours: ours.kernel,
      peer: peer.naive,
    },
    {
      name: 'speedup_vs_naive',
      unit: 'GFLOP/s',
      size: { full: 2048, smoke: 96 },
      target: 20,
      peerLabel: 'naive JS',
      ours: ours.kernel,
      peer: peer.naive,
    },
    {
      name: 'vs_onnxruntime_1thread_512',
      unit: 'GFLOP/s',
      size: { full: 512, smoke: 64 },
      peerLabel: 'onnxruntime graph, 1 thread',
      ours: ours.kernel,
      peer: (n) => peer.onnxruntime(n, 1),
    },
    {
      name: 'vs_onnxruntime_1thread',
      unit: 'GFLOP/s',
      size: { full: 2048, smoke: 96 },
      target: 0.5,
      peerLabel: 'onnxruntime graph, 1 thread',
      ours: ours.kernel,
      peer: (n) => peer.onnxruntime(n, 1),
    },
    {
      // How near our kernel is to 128-bit WebAssembly's own ceiling on this CPU (peer: a loop of nothing but multiply-adds).
      name: 'kernel_vs_simd_peak',
      unit: 'GFLOP/s',
      size: { full: 2048, smoke: 96 },
      peerLabel: 'WebAssembly relaxed-SIMD multiply-add peak, 1 thread',
      ours: ours.kernel,
      peer: (n) => simdPeak(n / 20),
      note: (o, p) =>
        `our attention kernel runs at ${Math.round((100 * o) / p)}% of the rate a loop of nothing but 128-bit multiply-adds reaches on this CPU.`,
    },
    {
      // The ceiling itself against onnxruntime: the best ratio any 128-bit WebAssembly kernel could reach in vs_onnxruntime_1thread.
      name: 'simd_peak_vs_onnxruntime_1thread',
      unit: 'GFLOP/s',
      size: { full: 2048, smoke: 96 },
      peerLabel: 'onnxruntime graph, 1 thread (ours: the multiply-add peak, not attention)',
      ours: (n) => simdPeak(n / 20),
      peer: (n) => peer.onnxruntime(n, 1),
      note: (o, p) =>
        `${(o / p).toFixed(2)} is the most any 128-bit WebAssembly kernel could reach against onnxruntime's one-thread graph here` +
        (o / p < 0.5 ? ', so the 0.5 target of vs_onnxruntime_1thread cannot be met on this CPU.' : '.'),
    },
    {
      name: 'vs_onnxruntime_1thread_8192',
      unit: 'GFLOP/s',
      size: { full: 8192, smoke: 128 },
      peerLabel: 'onnxruntime graph, 1 thread',
      ours: ours.kernel,
      peer: (n) => peer.onnxruntime(n, 1),
    },
    {
      name: 'vs_onnxruntime_default',
      unit: 'GFLOP/s',
      size: { full: 2048, smoke: 96 },
      peerLabel: 'onnxruntime graph, default threads (ours: pool of 2 schedulers)',
      ours: (n) => ours.pool(n, 3, [1, 2]),
      peer: (n) => peer.onnxruntime(n, 0),
    },
    {
      name: 'vs_onnxruntime_mha',
      unit: 'GFLOP/s',
      size: { full: 2048, smoke: 96 },
      peerLabel: 'onnxruntime MultiHeadAttention, 1 thread',
      ours: ours.kernel,
      peer: (n) => peer.onnxruntime(n, 1, 'mha'),
    },
    {
      name: 'scratch_memory',
      unit: 'bytes',
      lowerIsBetter: true,
      size: { full: 8192, smoke: 128 },
      target: 5000,
      peerLabel: 'naive JS (one head)',
      ours: ours.scratch,
      peer: peer.naiveScratch,
    },
    {
      name: 'time_to_first_row',
      unit: 'ms',
      lowerIsBetter: true,
      size: { full: 8192, smoke: 128 },
      target: 50,
      peerLabel: 'onnxruntime graph, 1 thread, whole run',
      ours: ours.firstRow,
      peer: peer.onnxruntimeFirstRow,
    },
    {
      name: 'decode_step',
      unit: 'ms/token',
      lowerIsBetter: true,
      size: { full: 4096, smoke: 64 },
      target: 50,
      peerLabel: 'recomputing the whole sequence',
      ours: ours.decodeStep,
      peer: ours.recompute,
    },
    {
      name: 'two_schedulers',
      unit: 'GFLOP/s',
      size: { full: 2048, smoke: 96 },
      target: 1.7,
      peerLabel: 'the same on 1 scheduler',
      ours: (n) => ours.pool(n, 3, [1, 2]),
      peer: (n) => ours.pool(n, 3, [1]),
    },
  ],
};
