// The README's example, type-checked with the tests (tsconfig.test.json): keep the two in step.
import type net from 'node:net';
import { Node } from '@erlmcp/otp';
import { Pool, tcpFactory } from '@erlmcp/transport-pool';

export async function main() {
  const node = Node.start({ schedulers: 1 });
  const pool = await Pool.start({
    factory: tcpFactory({ host: '127.0.0.1', port: 6379 }),
    min: 2,
    max: 16, // prewarm opens 2 before start() resolves
    acquireTimeoutMs: 2000,
    idleTimeoutMs: 30_000,
    healthCheck: { intervalMs: 10_000, timeoutMs: 1000 },
  }); // sizing decisions go to node.events too
  const pong = await pool.use(
    (socket) =>
      new Promise<string>((resolve) => {
        socket.once('data', (d) => resolve(d.toString()));
        socket.write('PING\r\n');
      }),
  );
  console.log(pong, pool.stats());
  await pool.stop(5000);
  await node.stop();
}

// The README's FactorySpec example.
export async function onEveryScheduler(host: string, port: number) {
  const pool = await Pool.start<net.Socket>(
    {
      schedulers: 'all',
      factory: { module: '@erlmcp/transport-pool', export: 'tcpFactory', args: [{ host, port }] },
      min: 4,
      max: 32,
    },
    { name: 'redis' },
  );
  // on any scheduler, in a process:
  const conn = await Pool.whereis<net.Socket>('redis')!.acquire();
  pool.release(conn);
}
