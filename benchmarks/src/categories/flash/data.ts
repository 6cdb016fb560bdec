/** The same f32 inputs for both sides: (1, heads, n, d), seeded, so every process builds identical data. */
import type { AttentionInput } from '@erlmcp/flash-attention-stream';

export const HEADS = 8;
export const D = 64;

export function inputs(n: number, heads = HEADS, d = D, seed = 42): AttentionInput {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) / 4294967296) * 2 - 1;
  };
  const fill = (count: number) => {
    const t = new Float32Array(count);
    for (let i = 0; i < count; i++) t[i] = next();
    return t;
  };
  const count = heads * n * d;
  return { q: fill(count), k: fill(count), v: fill(count), shape: { batch: 1, heads, queries: n, d } };
}

/** Floating-point operations of exact attention: QK^T and PV, a multiply and an add each. */
export function flops(n: number, heads = HEADS, d = D): number {
  return 4 * heads * n * n * d;
}

/** Runs `fn` `reps` times and returns the median wall time in ms. */
export async function medianMs(reps: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

/**
 * Runs `fn` `reps` times and returns the median CPU time the process spent,
 * in ms (every thread of it: onnxruntime's as well as ours). On a machine
 * shared with other work, a one-thread computation's CPU time does not count
 * the time it waited for a core, which wall time does.
 */
export async function medianCpuMs(reps: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

/** Repetitions for a size: several for small work, one for work that takes seconds. */
export function repsFor(n: number): number {
  return n <= 512 ? 9 : n <= 2048 ? 5 : 1;
}
