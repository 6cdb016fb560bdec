/**
 * Driving a worker thread from a jest test: messages are queued until a test
 * asks for one matching a predicate, a worker-side error or an early exit
 * fails every pending wait (instead of leaving the test to time out), and
 * every worker started here can be terminated from afterEach.
 *
 * Shared by the packages whose tests run their code in real worker threads.
 */
import * as fs from 'node:fs';
import type { Worker } from 'node:worker_threads';

export type WorkerMessage = { type: string; [key: string]: unknown };

export interface TestWorker<Exit = number> {
  worker: Worker;
  threadId: number;
  /** Resolves with the next message satisfying `pred`. */
  next<T = WorkerMessage>(pred?: (m: WorkerMessage) => boolean): Promise<T>;
  /** Resolves when the thread has exited, with what `onExit` made of its exit code. */
  exited: Promise<Exit>;
}

const live = new Set<Worker>();

/** Wall-clock milliseconds comparable across threads (performance.now() is per thread). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Throws a clear error when the compiled entry the worker scripts load is missing. */
export function requireBuilt(distEntry: string, pkg: string): void {
  // Otherwise every worker dies on require() and tests wait for messages until they time out.
  if (!fs.existsSync(distEntry)) throw new Error(`${distEntry} is missing: build first (npx tsc -b packages/${pkg})`);
}

/** Takes charge of a started worker. `onExit` runs in the 'exit' listener (after any registered before it). */
export function driveWorker<Exit>(worker: Worker, name: string, onExit: (code: number) => Exit): TestWorker<Exit> {
  live.add(worker);
  const queue: WorkerMessage[] = [];
  const waiters: {
    pred: (m: WorkerMessage) => boolean;
    resolve: (m: WorkerMessage) => void;
    reject: (e: Error) => void;
  }[] = [];
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
  const exited = new Promise<Exit>((resolve) =>
    worker.once('exit', (code) => {
      const result = onExit(code);
      live.delete(worker);
      if (!failure) fail(new Error(`worker ${name} exited (code ${code}) while a message was awaited`));
      resolve(result);
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
      return new Promise<T>((resolve, reject) =>
        waiters.push({ pred, resolve: resolve as (m: WorkerMessage) => void, reject }),
      );
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
