/** Our side: the kernel on one thread, and the AttentionServer over worker-thread schedulers. */
import { AttentionEngine, FlashAttention, type AttentionInput } from '@erlmcp/flash-attention-stream';
import { Node } from '@erlmcp/otp';
import type { Measurement } from '../../harness/types';
import { D, HEADS, flops, inputs, medianCpuMs, medianMs, repsFor } from './data';

/** The kernel (relaxed SIMD where available) on this thread: GFLOP per CPU-second, and the CPU ms. */
export async function kernel(n: number): Promise<Measurement> {
  const x = inputs(n);
  const engine = new AttentionEngine();
  engine.compute(x); // untimed: compiled and tiered up at this shape
  const ms = await medianCpuMs(repsFor(n), () => engine.compute(x));
  return { value: flops(n) / (ms * 1e6), ms };
}

/** Runs `fn` with a started FlashAttention on a node of `nodeSchedulers` schedulers, its pool `pool`. */
async function withServer<T>(
  nodeSchedulers: number,
  pool: number[],
  fn: (attention: FlashAttention) => Promise<T>,
): Promise<T> {
  const node = Node.start({ schedulers: nodeSchedulers, logLevel: 'silent' });
  try {
    const attention = FlashAttention.create({ schedulers: pool });
    await attention.start();
    // Untimed: every worker has said hello and run its kernel (compiled on its thread) before timing starts.
    for (let i = 0; i < 50 && !(await warm(attention)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return await fn(attention);
  } finally {
    await node.stop();
  }
}

/** One small request, so every worker has compiled and run its kernel. */
async function warm(attention: FlashAttention): Promise<boolean> {
  await attention.compute(inputs(256, HEADS));
  return (await attention.stats()).workers.every((w) => w.tasks > 0);
}

/** One request over the pool: GFLOP/s. */
export function pool(n: number, nodeSchedulers: number, schedulers: number[]): Promise<Measurement> {
  return withServer(nodeSchedulers, schedulers, async (attention) => {
    const x = inputs(n);
    await attention.compute(x);
    const ms = await medianMs(repsFor(n), () => attention.compute(x));
    return { value: flops(n) / (ms * 1e6), ms };
  });
}

/** From the call to the first chunk (every head's first 32 rows), the input's copy into shared memory included: ms. */
export function firstRow(n: number): Promise<Measurement> {
  return withServer(2, [1], async (attention) => {
    const x = inputs(n);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const stream = attention.stream(x, { highWaterMark: 1 });
      await stream.next();
      times.push(performance.now() - start);
      stream.cancel();
      while ((await attention.stats()).requests.running > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    times.sort((a, b) => a - b);
    return { value: times[2]!, ms: times[2]! };
  });
}

/** The scratch the worker holds after a request at this n (measured in the shared memory's allocator): bytes. */
export function scratch(n: number): Promise<Measurement> {
  return withServer(2, [1], async (attention) => {
    await attention.compute(inputs(n, 1));
    const stats = await attention.stats();
    if (stats.memory.live !== stats.scratchBytes)
      throw new Error(
        `after the request, ${stats.memory.live} bytes are live, not only the scratch (${stats.scratchBytes})`,
      );
    return { value: stats.scratchBytes };
  });
}

function causal(n: number): AttentionInput {
  return { ...inputs(n), causal: true };
}

/** One generated token against a KV cache of n tokens, through the server: ms per token. */
export function decodeStep(n: number): Promise<Measurement> {
  return withServer(2, [1], async (attention) => {
    const steps = 21;
    const decoder = await attention.decoder({ batch: 1, heads: HEADS, d: D, capacity: n + steps });
    const prompt = inputs(n);
    await decoder.step({ q: prompt.q, k: prompt.k, v: prompt.v });
    const token = inputs(1, HEADS, D, 7);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await decoder.step({ q: token.q, k: token.k, v: token.v });
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    await decoder.close();
    return { value: times[steps >> 1]!, ms: times[steps >> 1]! };
  });
}

/** The same token by recomputing causal attention over all n + 1 tokens, through the server: ms per token. */
export function recompute(n: number): Promise<Measurement> {
  return withServer(2, [1], async (attention) => {
    const x = causal(n + 1);
    await attention.compute(x);
    const ms = await medianMs(3, () => attention.compute(x));
    return { value: ms, ms };
  });
}
