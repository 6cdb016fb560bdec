import { Node } from '@erlmcp/otp';
import { hostNdjson } from '@erlmcp/mcp/server';
import { startMcpServer } from './app';

/**
 * The same server over stdio, for clients that spawn their servers (Claude Desktop, the SDK's
 * StdioClientTransport): the tree without the HTTP worker, and one session process on
 * stdin/stdout. stdout carries protocol messages only.
 */
async function main(): Promise<void> {
  // The runtime logs to stderr only, so crash and supervisor reports cannot corrupt the protocol stream.
  const node = Node.start({ schedulers: 1, logLevel: process.env.ERLMCP_LOG_LEVEL ?? 'warn' });
  const server = await startMcpServer({ http: false });
  const { transport } = await hostNdjson(server.host, process.stdin, process.stdout, {
    coalescer: server.outbound,
    endOnClose: false,
    onError: (error) => process.stderr.write(`${error.message}\n`),
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      transport.close();
      await server.stop();
      await node.stop();
    })());
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  // stdin's end (the client went away) closes the transport, and that ends the server.
  await new Promise<void>((resolve) => transport.onClose(resolve));
  await stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
