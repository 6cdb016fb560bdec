import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { quantile } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

const entry = path.join(__dirname, 'post-message-worker.js');

async function withWorker<T>(mode: 'count' | 'echo', expected: number, fn: (worker: Worker) => Promise<T>): Promise<T> {
  const worker = new Worker(entry, { workerData: { mode, expected } });
  await new Promise((resolve) => worker.once('online', resolve));
  try {
    return await fn(worker);
  } finally {
    await worker.terminate();
  }
}

/** One postMessage per message, timed until the worker has counted the last. */
export function cast(size: number): Promise<Measurement> {
  return withWorker('count', size, async (worker) => {
    const done = new Promise((resolve) => worker.once('message', resolve));
    const start = performance.now();
    for (let i = 0; i < size; i++) worker.postMessage(i);
    await done;
    return { value: size / ((performance.now() - start) / 1000) };
  });
}

/** A postMessage round trip per call. */
export function call(size: number): Promise<Measurement> {
  return withWorker('echo', 0, async (worker) => {
    const latencies = new Float64Array(size);
    const start = performance.now();
    for (let i = 0; i < size; i++) {
      const t = performance.now();
      await new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage(i);
      });
      latencies[i] = (performance.now() - t) * 1000;
    }
    const value = size / ((performance.now() - start) / 1000);
    return { value, p50Us: quantile(latencies, 0.5), p99Us: quantile(latencies, 0.99) };
  });
}
