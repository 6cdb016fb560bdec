/**
 * ONNX models built in code (onnx-proto's protobuf definitions), run by
 * onnxruntime-node on the CPU:
 * - attention as a graph: Transpose(K) -> MatMul(Q, K^T) -> Mul(scale) ->
 *   Softmax -> MatMul(P, V), over (1, heads, n, d) tensors;
 * - onnxruntime's fused com.microsoft MultiHeadAttention op over
 *   (1, n, heads * d) tensors.
 * Sequence lengths are symbolic, so one model serves every n.
 */
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function tensor(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function encode(graph: onnx.IGraphProto, opsets: onnx.IOperatorSetIdProto[]): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 8, producerName: 'erlmcp-bench', opsetImport: opsets, graph }),
  ).finish();
}

export function attentionGraph(heads: number, d: number): Uint8Array {
  return encode(
    {
      name: 'attention',
      node: [
        {
          opType: 'Transpose',
          input: ['K'],
          output: ['Kt'],
          attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 1, 3, 2] }],
        },
        { opType: 'MatMul', input: ['Q', 'Kt'], output: ['S'] },
        { opType: 'Mul', input: ['S', 'scale'], output: ['Ss'] },
        {
          opType: 'Softmax',
          input: ['Ss'],
          output: ['P'],
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
        },
        { opType: 'MatMul', input: ['P', 'V'], output: ['O'] },
      ],
      initializer: [{ name: 'scale', dataType: FLOAT, dims: [], floatData: [1 / Math.sqrt(d)] }],
      input: [tensor('Q', [1, heads, 'n', d]), tensor('K', [1, heads, 'n', d]), tensor('V', [1, heads, 'n', d])],
      output: [tensor('O', [1, heads, 'n', d])],
    },
    [{ domain: '', version: 17 }],
  );
}

export function multiHeadAttention(heads: number, d: number): Uint8Array {
  return encode(
    {
      name: 'mha',
      node: [
        {
          opType: 'MultiHeadAttention',
          domain: 'com.microsoft',
          input: ['Q', 'K', 'V'],
          output: ['O'],
          attribute: [{ name: 'num_heads', type: onnx.AttributeProto.AttributeType.INT, i: heads }],
        },
      ],
      input: [tensor('Q', [1, 'n', heads * d]), tensor('K', [1, 'n', heads * d]), tensor('V', [1, 'n', heads * d])],
      output: [tensor('O', [1, 'n', heads * d])],
    },
    [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
  );
}

/** A session on `threads` intra-op threads (0: onnxruntime's default, one per core). */
export function session(model: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
}

export { ort };
