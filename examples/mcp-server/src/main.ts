import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { frontDoorWorker, startFrontDoor } from '@erlmcp/mcp/hosting';
import { Node } from '@erlmcp/otp';
import { startMcpServer } from './app';
import { portFromEnv } from './port';
import { workersFromEnv } from './workers';

/** WORKERS=n: this process forks n workers, each running main() below, which share the port. */
async function primary(port: number, workers: number): Promise<void> {
  const door = await startFrontDoor({ exec: __filename, workers, port });
  process.once('SIGINT', () => void door.close().then(() => console.log('SIGINT: every worker stopped')));
  process.once('SIGTERM', () => void door.close().then(() => console.log('SIGTERM: every worker stopped')));
  console.log(`erlmcp example MCP server, ${workers} worker processes (${door.pids().join(', ')})
  Streamable HTTP: ${door.url}
Ctrl-C stops it.`);
}

/** npm start: the MCP server on 127.0.0.1:${PORT:-3000}, until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const port = portFromEnv(process.env.PORT); // before the node starts: a bad PORT leaves nothing running
  const workers = workersFromEnv(process.env.WORKERS, availableParallelism());
  if (cluster.isPrimary && workers > 1) return primary(port, workers);
  const node = Node.start({ schedulers: 1, logLevel: process.env.ERLMCP_LOG_LEVEL ?? 'warn' });
  const server = await startMcpServer({ port });
  const urls = server.urls!;
  const stdio = path.join(__dirname, 'stdio.js');
  // Listen for the signals before saying that Ctrl-C stops it.
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string): void => {
    stopping ??= (async () => {
      await server.stop();
      await node.stop();
      console.log(`${signal}: every session closed, the port released, the node stopped`);
    })();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // A front-door worker: the primary printed the address; this one's listener joined it.
  if (frontDoorWorker() !== undefined) return;
  console.log(`erlmcp example MCP server
  Streamable HTTP: ${urls.url}
  WebSocket:       ${urls.wsUrl} (subprotocol "mcp")
  stdio:           node ${path.relative(process.cwd(), stdio) || stdio}
Connect, for example: npx @modelcontextprotocol/inspector --transport http --server-url ${urls.url}
Ctrl-C stops it.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
