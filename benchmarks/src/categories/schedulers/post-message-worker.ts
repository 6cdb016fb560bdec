/** The peer's worker: counts one-way messages, or answers each with itself. */
import { parentPort, workerData } from 'node:worker_threads';

const { mode, expected } = workerData as { mode: 'count' | 'echo'; expected: number };
let n = 0;
parentPort!.on('message', (message: number) => {
  if (mode === 'echo') parentPort!.postMessage(message);
  else if (++n === expected) parentPort!.postMessage('done');
});
