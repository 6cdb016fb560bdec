/** Starting benchmark workers together and collecting their results. */
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import type { WorkerResult, WorkerTask } from './shared';

const WORKER = path.join(__dirname, 'worker.js');

export interface Running {
  worker: Worker;
  ready: Promise<void>;
  result: Promise<WorkerResult>;
}

export function startWorker(
  task: WorkerTask,
  go: SharedArrayBuffer,
  onMessage?: (worker: Worker, message: unknown) => void,
): Running {
  const worker = new Worker(WORKER, { workerData: { task, go } });
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const result = new Promise<WorkerResult>((resolve, reject) => {
    worker.on('message', (m: { ready?: true; result?: WorkerResult; error?: string }) => {
      if (m.ready === true) markReady();
      else if (m.result !== undefined) resolve(m.result);
      else if (m.error !== undefined) reject(new Error(m.error));
      else onMessage?.(worker, m);
    });
    worker.on('error', reject);
  });
  return { worker, ready, result };
}

/** Runs the tasks on one worker each, all released at once; returns operations per second overall. */
export async function runTogether(tasks: WorkerTask[], opsPerTask: number[]): Promise<number> {
  const go = new SharedArrayBuffer(4);
  const running = tasks.map((t) => startWorker(t, go));
  try {
    await Promise.all(running.map((r) => r.ready));
    const flag = new Int32Array(go);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    const results = await Promise.all(running.map((r) => r.result));
    const start = Math.min(...results.map((r) => r.start));
    const end = Math.max(...results.map((r) => r.end));
    return opsPerTask.reduce((a, b) => a + b, 0) / ((end - start) / 1000);
  } finally {
    await Promise.all(running.map((r) => r.worker.terminate()));
  }
}
