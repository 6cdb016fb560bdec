// One MCP node of the mcp_three_nodes benchmark, in its own process:
//   node mcp-node.js <nats url> <cluster> <name> <other names, comma-separated or ''>
// It joins the cluster, serves an echo tool and a task tool (hold) with listenClusterHttp on a free port, waits
// until it sees the other nodes, prints "ready <port>", and leaves when stdin closes.
import { randomBytes } from 'node:crypto';
import { defineServer } from '@erlmcp/mcp/server';
import { DistNode } from '@erlmcp/distribution';
import { listenClusterHttp } from '@erlmcp/distribution/mcp';

async function main(): Promise<void> {
  const [url, cluster, name, others] = process.argv.slice(2) as [string, string, string, string];
  // Patient heartbeats (down after 10 s of silence): on a loaded machine a node stalled for a few
  // seconds must not be taken for a dead one, which would answer its sessions' requests 404.
  const dist = await DistNode.start({
    servers: url,
    name,
    cluster,
    heartbeatMs: 500,
    missedHeartbeats: 20,
    node: { logLevel: 'silent' },
  });
  // The key must be shared for requestState to cross nodes; the echo tool asks nothing, so any key will do here.
  const definition = defineServer(
    { name: 'bench-cluster', version: '1.0.0' },
    { requestState: { key: randomBytes(32) } },
  )
    .tool({
      name: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: async (args) => ({ content: [{ type: 'text', text: String(args.text) }] }),
    })
    .tool({
      name: 'hold',
      task: 'optional',
      inputSchema: { type: 'object', properties: {} },
      // A task that runs until cancelled: mcp_task_poll reads its status through every node.
      handler: (_args, ctx) =>
        new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('cancelled')))),
    })
    .build();
  const server = await listenClusterHttp(dist, definition, { maxStatelessRequests: 100_000 });
  const peers = others === '' ? [] : others.split(',');
  await dist.waitForNodes(peers, 120_000);
  process.stdin.on('end', () => {
    void server
      .close()
      .then(() => dist.stop())
      .finally(() => process.exit(0));
  });
  process.stdin.resume();
  process.stdout.write(`ready ${server.address.port}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`mcp node failed: ${error.stack}\n`);
  process.exit(1);
});
