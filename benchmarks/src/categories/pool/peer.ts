import net from 'node:net';
import genericPool from 'generic-pool';
import { Pool as UndiciPool } from 'undici';
import { ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';
import { byUsers, CONNECTIONS, timedRequests } from './ours';
import { holdServer, httpServer } from './servers';

/** generic-pool 3.9.0 holding CONNECTIONS real TCP sockets to the same kind of server. */
async function socketPool<T>(fn: (pool: genericPool.Pool<net.Socket>) => Promise<T>): Promise<T> {
  const server = await holdServer();
  const pool = genericPool.createPool<net.Socket>(
    {
      create: () =>
        new Promise((resolve, reject) => {
          const s = net.connect({ host: '127.0.0.1', port: server.port, noDelay: true });
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        }),
      destroy: async (s) => {
        s.destroy();
      },
    },
    { min: CONNECTIONS, max: CONNECTIONS },
  );
  await pool.ready();
  try {
    return await fn(pool);
  } finally {
    await pool.drain();
    await pool.clear();
    await server.close();
  }
}

export function acquireRelease(size: number): Promise<Measurement> {
  return socketPool(async (pool) => {
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) await pool.release(await pool.acquire());
    });
    return { value };
  });
}

export function acquireRelease100(size: number): Promise<Measurement> {
  return socketPool((pool) => byUsers(size, async () => pool.release(await pool.acquire())));
}

/** undici's Pool with the same connection count, driven the same way. */
export async function httpRequests(size: number): Promise<Measurement> {
  const server = await httpServer();
  const pool = new UndiciPool(server.origin, { connections: CONNECTIONS, pipelining: 1 });
  try {
    return await timedRequests(size, async () => {
      const res = await pool.request({ method: 'GET', path: '/' });
      await res.body.text();
    });
  } finally {
    await pool.close();
    await server.stop();
  }
}
