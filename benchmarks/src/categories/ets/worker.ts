/**
 * The worker side of the multi-thread scenarios (run from dist/, next to the
 * category's compiled code). Waits on a shared start flag so that several
 * workers begin together, does its task, and posts its wall-clock start and end.
 */
import { Ets } from '@erlmcp/ets';
import { parentPort, workerData } from 'node:worker_threads';
import { randomIndexes, session, wallNow, type WorkerResult, type WorkerTask } from './shared';

const { task, go } = workerData as { task: WorkerTask; go: SharedArrayBuffer };

function waitForGo(): void {
  const flag = new Int32Array(go);
  parentPort!.postMessage({ ready: true });
  while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 100);
}

async function main(): Promise<WorkerResult> {
  if (task.kind === 'ask_server') return askServer(task.count, task.entries, task.seed);
  const table = Ets.attach(task.table);
  let found = 0;
  if (task.kind === 'lookup') {
    const idx = randomIndexes(1 << 16, task.entries, task.seed);
    waitForGo();
    const start = wallNow();
    for (let i = 0; i < task.count; i++) found += table.lookup('session:' + idx[i & 0xffff]).length;
    return { start, end: wallNow(), found };
  }
  if (task.kind === 'insert') {
    waitForGo();
    const start = wallNow();
    for (let i = task.from; i < task.from + task.count; i++) table.insert(['session:' + i, session(i)]);
    return { start, end: wallNow(), found: task.count };
  }
  const idx = randomIndexes(1 << 16, task.keys, task.seed);
  waitForGo();
  const start = wallNow();
  for (let i = 0; i < task.count; i++) table.updateCounter('counter:' + idx[i & 0xffff], 1);
  return { start, end: wallNow(), found: task.count };
}

/** The peer of cross_thread_lookup: every lookup is a request to the main thread's GenServer and back. */
function askServer(count: number, entries: number, seed: number): Promise<WorkerResult> {
  const idx = randomIndexes(1 << 16, entries, seed);
  const port = parentPort!;
  return new Promise((resolve) => {
    let i = 0;
    let found = 0;
    let start = 0;
    const ask = (): void => {
      if (i === count) {
        port.off('message', onReply);
        resolve({ start, end: wallNow(), found });
        return;
      }
      port.postMessage({ key: 'session:' + idx[i++ & 0xffff] });
    };
    const onReply = (reply: { value?: unknown; go?: true }): void => {
      if (reply.go === true) {
        start = wallNow();
      } else if (reply.value !== undefined) {
        found++;
      }
      ask();
    };
    port.on('message', onReply);
    port.postMessage({ ready: true });
  });
}

main().then(
  (result) => parentPort!.postMessage({ result }),
  (error: unknown) => parentPort!.postMessage({ error: String(error instanceof Error ? error.stack : error) }),
);
