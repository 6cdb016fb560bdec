// One node of the example, in a process of its own (cluster.ts starts three):
//   NATS_URL=nats://127.0.0.1:4222 NODE_NAME=n1 PORT=3101 CLUSTER_KEY=<base64, 32 bytes> node dist/node.js
// It joins the cluster over NATS, serves the example's MCP server on 127.0.0.1:PORT (and
// GET /stats: what its forwarder counted), prints "ready <name> <port>", and leaves on SIGTERM.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DistNode } from '@erlmcp/distribution';
import { listenClusterHttp, type ClusterHttpServer } from '@erlmcp/distribution/mcp';
import { clusterDefinition } from './definition';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const name = required('NODE_NAME');
  const key = Buffer.from(required('CLUSTER_KEY'), 'base64');
  const dist = await DistNode.start({
    servers: required('NATS_URL'),
    name,
    cluster: process.env.CLUSTER ?? 'example',
    // A node is taken for dead after HEARTBEAT_MS × MISSED_HEARTBEATS of silence (default 1 s × 10):
    // on a shared machine a stalled node must not be, or its sessions' requests would be answered 404.
    heartbeatMs: Number(process.env.HEARTBEAT_MS ?? 1000),
    missedHeartbeats: Number(process.env.MISSED_HEARTBEATS ?? 10),
    node: { logLevel: 'warn' },
  });
  // Set once listening; a request cannot arrive before.
  const serving: { server?: ClusterHttpServer } = {};
  const stats = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || req.url !== '/stats' || serving.server === undefined) return false;
    const body = JSON.stringify({ node: name, nodes: dist.nodes(), ...serving.server.stats() });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return true;
  };
  const server = await listenClusterHttp(dist, clusterDefinition(name, key), {
    port: Number(process.env.PORT ?? 0),
    routes: stats,
  });
  serving.server = server;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server
      .close()
      .then(() => dist.stop())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`ready ${name} ${server.address.port}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`node failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
