import { Ets } from '@erlmcp/ets';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { driveWorker, requireBuilt, wallNow, type TestWorker } from '../../../test-support/worker-harness';

export { ofType, stopAllWorkers } from '../../../test-support/worker-harness';

const DIST_ENTRY = path.join(__dirname, '..', 'dist', 'index.js');

/** Starts test/workers/<name>.js (plain JS on the compiled dist/), watched by `Ets.registry`. */
export function startWorker(name: string, workerData: unknown): TestWorker<number> {
  requireBuilt(DIST_ENTRY, 'ets-optimizer');
  return driveWorker(Ets.watch(new Worker(path.join(__dirname, 'workers', `${name}.js`), { workerData })), name, () =>
    wallNow(),
  );
}

/** Runs `table[op](...args)` in a worker frozen after the nth call (of `arity` arguments, if given) of an @erlmcp/ets Table method, then terminates it there. */
export async function runStopped(
  table: { handle(): unknown },
  op: string,
  args: unknown[],
  at: string,
  nth: number,
  arity?: number,
): Promise<'stopped' | 'finished'> {
  const w = startWorker('stopper', { handle: table.handle(), op, args, at, nth, arity });
  const m = await w.next((msg) => msg.type === 'holding' || msg.type === 'finished');
  await w.worker.terminate();
  await w.exited;
  return m.type === 'holding' ? 'stopped' : 'finished';
}
