// Starts the conformance fixture server on 127.0.0.1 and prints its URL as one JSON line.
// Run by scripts/conformance.mjs (npm run conformance) and by conformance.test.ts: PORT (default 0: a free port).
import { Node } from '@erlmcp/otp';
import { listenHttp } from '../../src/hosting';
import { conformanceDefinition } from './fixtures';

async function main(): Promise<void> {
  const node = Node.start({ schedulers: 1, logLevel: 'silent' });
  const server = await listenHttp(conformanceDefinition(), { port: Number(process.env.PORT ?? 0), retryMs: 500 });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  const stop = (): void => {
    void server
      .close()
      .then(() => node.stop())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The runner closes our stdin when it is done, even if it could not signal us.
  process.stdin.on('end', stop).resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`conformance server: ${String(error)}\n`);
  process.exit(1);
});
