import { NatsServerNotFoundError } from '@erlmcp/distribution';
import { startCluster } from './cluster';

/**
 * `npm start` (in examples/nats-cluster): a nats-server and three nodes on this machine, on
 * ports BASE_PORT.. (default 3101, 3102, 3103), until Ctrl-C. NATS_URL uses a running
 * nats-server (with JetStream) instead of starting one.
 */
async function main(): Promise<void> {
  const cluster = await startCluster({
    basePort: Number(process.env.BASE_PORT ?? 3101),
    natsUrl: process.env.NATS_URL,
  });
  process.stderr.write(
    `three MCP nodes over NATS (${cluster.natsUrl}):\n${cluster.urls.map((u) => `  ${u}`).join('\n')}\n` +
      `put any round-robin balancer in front of them, or run: npm run traffic -- ${cluster.urls.join(' ')}\nCtrl-C stops them.\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void cluster.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof NatsServerNotFoundError ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
