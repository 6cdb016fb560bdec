// The README's example, type-checked with the tests (tsconfig.test.json): keep the two in step.
import { Node } from '@erlmcp/otp';
import { Pool, tcpFactory } from '@erlmcp/transport-pool';

export async function main() {
  const node = Node.start({ schedulers: 1 });
  const pool = await Pool.start({
    factory: tcpFactory({ host: '127.0.0.1', port: 6379 }),
    min: 2, max: 16,                        // prewarm opens 2 before start() resolves
    acquireTimeoutMs: 2000, idleTimeoutMs: 30_000,
    healthCheck: { intervalMs: 10_000, timeoutMs: 1000 },
    telemetry: node.events,                 // sizing decisions on the node's bus
  });
  const pong = await pool.use(
    (socket) => new Promise<string>((resolve) => {
      socket.once('data', (d) => resolve(d.toString()));
      socket.write('PING\r\n');
    }),
  );
  console.log(pong, pool.stats());
  await pool.stop(5000);
  await node.stop();
}
