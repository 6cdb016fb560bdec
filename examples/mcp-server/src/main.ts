import path from 'node:path';
import { Node } from '@erlmcp/otp';
import { startMcpServer } from './app';
import { portFromEnv } from './port';

/** npm start: the MCP server on 127.0.0.1:${PORT:-3000}, until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const port = portFromEnv(process.env.PORT); // before the node starts: a bad PORT leaves nothing running
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
