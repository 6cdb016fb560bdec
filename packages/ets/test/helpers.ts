import { Ets } from '@erlmcp/ets';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const DIST_ENTRY = path.join(__dirname, '..', 'dist', 'index.js');

/** Wall-clock milliseconds comparable across threads (performance.now() is per thread). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export type WorkerMessage = { type: string; [key: string]: unknown };

export interface TestWorker {
  worker: Worker;
  threadId: number;
  /** Resolves with the next message satisfying `pred`. */
  next<T = WorkerMessage>(pred?: (m: WorkerMessage) => boolean): Promise<T>;
  /** Resolves with the wall time of the exit event (after the registry marked the thread dead). */
  exited: Promise<number>;
}

const live = new Set<Worker>();

/** Starts test/workers/<name>.js (plain JS on the compiled dist/), watched by `Ets.registry`. */
export function startWorker(name: string, workerData: unknown): TestWorker {
  if (!fs.existsSync(DIST_ENTRY)) throw new Error(`${DIST_ENTRY} is missing: build first (npx tsc -b packages/ets)`);
  const worker = Ets.watch(new Worker(path.join(__dirname, 'workers', `${name}.js`), { workerData }));
  live.add(worker);
  const queue: WorkerMessage[] = [];
  const waiters: { pred: (m: WorkerMessage) => boolean; resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | undefined;
  const fail = (err: Error): void => {
    failure = err;
    for (const w of waiters.splice(0)) w.reject(err);
  };
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'error') return fail(new Error(`worker ${name}: ${String(m.message)}`));
    const i = waiters.findIndex((w) => w.pred(m));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else queue.push(m);
  });
  worker.on('error', (err) => fail(err));
  // Registered after Ets.watch's listener, so the thread is already marked dead when this runs.
  const exited = new Promise<number>((resolve) =>
    worker.once('exit', (code) => {
      const at = wallNow();
      live.delete(worker);
      if (!failure) fail(new Error(`worker ${name} exited (code ${code}) while a message was awaited`));
      resolve(at);
    }),
  );
  return {
    worker,
    threadId: worker.threadId,
    exited,
    next<T>(pred: (m: WorkerMessage) => boolean = () => true): Promise<T> {
      const i = queue.findIndex(pred);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0] as T);
      if (failure) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => waiters.push({ pred, resolve: resolve as (m: WorkerMessage) => void, reject }));
    },
  };
}

export function ofType(type: string): (m: WorkerMessage) => boolean {
  return (m) => m.type === type;
}

/** Terminates every worker still running; call from afterEach. */
export async function stopAllWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.terminate()));
  live.clear();
}

/** A step inside the package where test/workers/stopper.js freezes an operation. */
export interface StopStep {
  /** 'Class.method' (or several, counted together) in the worker's copy of the package. */
  at: string | string[];
  when: 'before' | 'after';
  nth: number;
  /** Count only calls after a transaction's commit. */
  afterCommit?: boolean;
}

/**
 * Runs `table[op](...args)` in a worker that freezes at `step` (holding the
 * stripes it holds there), and terminates the worker. 'finished' if the
 * operation completed without reaching the step.
 */
export async function runStopped(table: { handle(): unknown }, op: string, args: unknown[], step: StopStep): Promise<'stopped' | 'finished'> {
  const w = startWorker('stopper', { handle: table.handle(), op, args, ...step });
  const m = await w.next((msg) => msg.type === 'holding' || msg.type === 'finished');
  await w.worker.terminate();
  await w.exited;
  return m.type === 'holding' ? 'stopped' : 'finished';
}

