import type net from 'node:net';
import { httpFactory, Pool, tcpFactory } from '@erlmcp/transport-pool';
import { onNode } from '../../harness/node';
import { quantile, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';
import { holdServer, httpServer } from './servers';

/** Pooled connections in every scenario; the peer's pools hold the same count. */
export const CONNECTIONS = 10;
export const USERS = 100;

async function socketPool<T>(fn: (pool: Pool<net.Socket>) => Promise<T>): Promise<T> {
  const server = await holdServer();
  try {
    return await onNode(1, async () => {
      const pool = await Pool.start({
        factory: tcpFactory({ host: '127.0.0.1', port: server.port }),
        min: CONNECTIONS,
        max: CONNECTIONS,
      });
      try {
        return await fn(pool);
      } finally {
        await pool.stop(1000);
      }
    });
  } finally {
    await server.close();
  }
}

export function acquireRelease(size: number): Promise<Measurement> {
  return socketPool(async (pool) => {
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) pool.release(await pool.acquire());
    });
    return { value };
  });
}

/** USERS concurrent loops sharing `size` operations; operations per second. */
export async function byUsers(size: number, one: () => Promise<void>): Promise<Measurement> {
  const each = Math.ceil(size / USERS);
  const value = await ratePerSecond(each * USERS, () =>
    Promise.all(
      Array.from({ length: USERS }, async () => {
        for (let i = 0; i < each; i++) await one();
      }),
    ).then(() => undefined),
  );
  return { value };
}

export function acquireRelease100(size: number): Promise<Measurement> {
  return socketPool((pool) => byUsers(size, async () => pool.release(await pool.acquire())));
}

/** `size` GETs from USERS concurrent callers, each over a pooled keep-alive connection; latency per request. */
export async function httpRequests(size: number): Promise<Measurement> {
  const server = await httpServer();
  try {
    return await onNode(1, async () => {
      const pool = await Pool.start({
        factory: httpFactory({ origin: server.origin }),
        min: CONNECTIONS,
        max: CONNECTIONS,
      });
      try {
        return await timedRequests(size, async () => {
          const conn = await pool.acquire();
          try {
            const res = await conn.resource.request({ method: 'GET', path: '/' });
            await res.body.text();
          } finally {
            pool.release(conn);
          }
        });
      } finally {
        await pool.stop(1000);
      }
    });
  } finally {
    await server.stop();
  }
}

/**
 * Runs `size` requests from USERS concurrent loops; rate, per-request latency,
 * and this process's CPU time per request (user + system, from process.cpuUsage):
 * on a shared machine the rate and latency follow the machine's load, the CPU
 * time far less.
 */
export async function timedRequests(size: number, one: () => Promise<void>): Promise<Measurement> {
  const each = Math.ceil(size / USERS);
  const latencies = new Float64Array(each * USERS);
  let k = 0;
  const cpu = process.cpuUsage();
  const value = await ratePerSecond(each * USERS, () =>
    Promise.all(
      Array.from({ length: USERS }, async () => {
        for (let i = 0; i < each; i++) {
          const t0 = performance.now();
          await one();
          latencies[k++] = performance.now() - t0;
        }
      }),
    ).then(() => undefined),
  );
  const used = process.cpuUsage(cpu);
  return {
    value,
    p50Us: quantile(latencies, 0.5) * 1000,
    p99Us: quantile(latencies, 0.99) * 1000,
    detail: { cpuUsPerRequest: (used.user + used.system) / (each * USERS) },
  };
}

/** Opens `size` real TCP connections at start (prewarm), `concurrency` at a time; connections/s. */
export async function prewarm(size: number, concurrency: number): Promise<Measurement> {
  const server = await holdServer();
  try {
    return await onNode(1, async () => {
      let pool: Pool<net.Socket> | undefined;
      const value = await ratePerSecond(size, async () => {
        pool = await Pool.start({
          factory: tcpFactory({ host: '127.0.0.1', port: server.port }),
          min: size,
          max: size,
          connectConcurrency: concurrency,
        });
      });
      const stats = pool!.stats();
      await pool!.stop(2000);
      if (stats.created !== size) throw new Error(`prewarm opened ${stats.created} of ${size}`);
      return { value };
    });
  } finally {
    await server.close();
  }
}
