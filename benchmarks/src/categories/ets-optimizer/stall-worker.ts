/**
 * A reader thread for the compaction scenarios: looks keys up in a loop
 * until told to stop, and reports the longest single lookup (ms).
 */
import { OptimizedTable, type OptimizedTableHandle } from '@erlmcp/ets-optimizer';
import { parentPort, workerData } from 'node:worker_threads';

const { handle, keys, stop } = workerData as { handle: OptimizedTableHandle; keys: string[]; stop: SharedArrayBuffer };
const table = OptimizedTable.attach(handle);
const flag = new Int32Array(stop);
let longestMs = 0;
let reads = 0;
parentPort!.postMessage({ type: 'ready' });
while (Atomics.load(flag, 0) === 0) {
  for (let i = 0; i < keys.length && Atomics.load(flag, 0) === 0; i++) {
    const t = performance.now();
    if (table.lookup(keys[i]!).length !== 1) throw new Error(`lost ${keys[i]}`);
    const ms = performance.now() - t;
    if (ms > longestMs) longestMs = ms;
    reads++;
  }
}
parentPort!.postMessage({ type: 'done', longestMs, reads });
