import path from 'node:path';
import type { Category } from '../../harness/types';
import * as ours from './ours';
import * as peer from './peer';

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
    { name: 'vs_naive_512', unit: 'GFLOP/s', size: { full: 512, smoke: 64 }, peerLabel: 'naive JS', ours: ours.kernel, peer: peer.naive },
    { name: 'speedup_vs_naive', unit: 'GFLOP/s', size: { full: 2048, smoke: 96 }, target: 20, peerLabel: 'naive JS', ours: ours.kernel, peer: peer.naive },
    { name: 'vs_onnxruntime_1thread_512', unit: 'GFLOP/s', size: { full: 512, smoke: 64 }, peerLabel: 'onnxruntime graph, 1 thread', ours: ours.kernel, peer: (n) => peer.onnxruntime(n, 1) },
    { name: 'vs_onnxruntime_1thread', unit: 'GFLOP/s', size: { full: 2048, smoke: 96 }, target: 0.5, peerLabel: 'onnxruntime graph, 1 thread', ours: ours.kernel, peer: (n) => peer.onnxruntime(n, 1) },
    { name: 'vs_onnxruntime_1thread_8192', unit: 'GFLOP/s', size: { full: 8192, smoke: 128 }, peerLabel: 'onnxruntime graph, 1 thread', ours: ours.kernel, peer: (n) => peer.onnxruntime(n, 1) },
    {
      name: 'vs_onnxruntime_default',
      unit: 'GFLOP/s',
      size: { full: 2048, smoke: 96 },
      peerLabel: 'onnxruntime graph, default threads (ours: pool of 2 schedulers)',
      ours: (n) => ours.pool(n, 3, [1, 2]),
      peer: (n) => peer.onnxruntime(n, 0),
    },
    { name: 'vs_onnxruntime_mha', unit: 'GFLOP/s', size: { full: 2048, smoke: 96 }, peerLabel: 'onnxruntime MultiHeadAttention, 1 thread', ours: ours.kernel, peer: (n) => peer.onnxruntime(n, 1, 'mha') },
    { name: 'scratch_memory', unit: 'bytes', lowerIsBetter: true, size: { full: 8192, smoke: 128 }, target: 5000, peerLabel: 'naive JS (one head)', ours: ours.scratch, peer: peer.naiveScratch },
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
    { name: 'decode_step', unit: 'ms/token', lowerIsBetter: true, size: { full: 4096, smoke: 64 }, target: 50, peerLabel: 'recomputing the whole sequence', ours: ours.decodeStep, peer: ours.recompute },
    { name: 'two_schedulers', unit: 'GFLOP/s', size: { full: 2048, smoke: 96 }, target: 1.7, peerLabel: 'the same on 1 scheduler', ours: (n) => ours.pool(n, 3, [1, 2]), peer: (n) => ours.pool(n, 3, [1]) },
  ],
};
