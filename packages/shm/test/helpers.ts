import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { driveWorker, requireBuilt, type TestWorker } from '../../../test-support/worker-harness';

export {
  ofType,
  stopAllWorkers,
  wallNow,
  type TestWorker,
  type WorkerMessage,
} from '../../../test-support/worker-harness';

const DIST_ENTRY = path.join(__dirname, '..', 'dist', 'index.js');

/** Starts test/workers/<name>.js (plain JS that loads the compiled dist/); `exited` resolves with the exit code. */
export function startWorker(name: string, workerData: unknown): TestWorker {
  requireBuilt(DIST_ENTRY, 'shm');
  return driveWorker(new Worker(path.join(__dirname, 'workers', `${name}.js`), { workerData }), name, (code) => code);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
