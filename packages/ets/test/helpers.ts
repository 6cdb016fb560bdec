import { Ets } from '@erlmcp/ets';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { driveWorker, requireBuilt, wallNow, type TestWorker } from '../../../test-support/worker-harness';

export {
  ofType,
  stopAllWorkers,
  wallNow,
  type TestWorker,
  type WorkerMessage,
} from '../../../test-support/worker-harness';

const DIST_ENTRY = path.join(__dirname, '..', 'dist', 'index.js');

/**
 * Starts test/workers/<name>.js (plain JS on the compiled dist/), watched by
 * `Ets.registry`. `exited` resolves with the wall time of the exit event,
 * taken after Ets.watch's own listener has marked the thread dead.
 */
export function startWorker(name: string, workerData: unknown): TestWorker<number> {
  requireBuilt(DIST_ENTRY, 'ets');
  return driveWorker(Ets.watch(new Worker(path.join(__dirname, 'workers', `${name}.js`), { workerData })), name, () =>
    wallNow(),
  );
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
export async function runStopped(
  table: { handle(): unknown },
  op: string,
  args: unknown[],
  step: StopStep,
): Promise<'stopped' | 'finished'> {
  const w = startWorker('stopper', { handle: table.handle(), op, args, ...step });
  const m = await w.next((msg) => msg.type === 'holding' || msg.type === 'finished');
  await w.worker.terminate();
  await w.exited;
  return m.type === 'holding' ? 'stopped' : 'finished';
}
