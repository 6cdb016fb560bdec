import { startCluster } from './cluster';
import { NatsServerNotFoundError } from '@erlmcp/distribution';
import { trafficFromEnv } from './options';
import { formatReport, runTraffic } from './traffic';

/**
 * `npm run demo`: all in one go. Starts a nats-server and three nodes (free ports), runs the
 * traffic through them round robin, prints what it measured and what the nodes counted, stops.
 */
async function main(): Promise<void> {
  const cluster = await startCluster({ natsUrl: process.env.NATS_URL });
  try {
    process.stdout.write(`nodes up: ${cluster.urls.join(' ')}\n`);
    process.stdout.write(`${formatReport(await runTraffic(trafficFromEnv(cluster.urls)))}\n`);
  } finally {
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof NatsServerNotFoundError ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
