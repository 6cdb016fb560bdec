/** Baselines of the ets scenarios: a JS Map, and a GenServer asked from a worker. */
import { GenServer, Node, ok, reply } from '@erlmcp/otp';
import type { Worker } from 'node:worker_threads';
import { heapAfterGc, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';
import { randomIndexes, session, TABLE_ENTRIES, type Session } from './shared';
import { startWorker } from './threads';

function sessionMap(entries: number): Map<string, Session> {
  const map = new Map<string, Session>();
  for (let n = 0; n < entries; n++) map.set('session:' + n, session(n));
  return map;
}

/** Map.get with the key string built per lookup. */
export async function mapLookup(size: number): Promise<Measurement> {
  const entries = Math.min(TABLE_ENTRIES, size);
  const map = sessionMap(entries);
  const idx = randomIndexes(1 << 16, entries);
  let found = 0;
  const value = await ratePerSecond(size, () => {
    for (let i = 0; i < size; i++) if (map.get('session:' + idx[i & 0xffff]) !== undefined) found++;
  });
  if (found !== size) throw new Error(`lookup found ${found} of ${size}`);
  return { value };
}

/**
 * What one builds without shared tables: a GenServer on the main thread holds
 * the Map; a worker asks it for each key through postMessage and waits for the
 * answer.
 */
export async function genServerFromWorker(size: number): Promise<Measurement> {
  const node = Node.start({ logLevel: 'silent' });
  try {
    const entries = Math.min(TABLE_ENTRIES, size);
    const store = GenServer.define({
      init: (map: Map<string, Session>) => ok(map),
      handleCall: (key: string, _from, map: Map<string, Session>) => reply(map.get(key), map),
    });
    const server = await GenServer.start(store, sessionMap(entries));
    const go = new SharedArrayBuffer(4);
    const onRequest = (worker: Worker, message: unknown): void => {
      const { key } = message as { key: string };
      void GenServer.call(server, key).then((value) => worker.postMessage({ value }));
    };
    const running = startWorker({ kind: 'ask_server', count: size, entries, seed: 1 }, go, onRequest);
    try {
      await running.ready;
      running.worker.postMessage({ go: true });
      const result = await running.result;
      if (result.found !== size) throw new Error(`the server answered ${result.found} of ${size}`);
      return { value: size / ((result.end - result.start) / 1000) };
    } finally {
      await running.worker.terminate();
    }
  } finally {
    await node.stop();
  }
}

/** JS heap bytes per entry of a Map holding the same sessions. */
export async function mapMemoryPerEntry(size: number): Promise<Measurement> {
  const before = heapAfterGc();
  const map = sessionMap(size);
  const after = heapAfterGc();
  if (map.size !== size) throw new Error('map lost entries');
  return { value: (after - before) / size };
}

export { ratePerSecond };
