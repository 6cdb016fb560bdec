import { Node } from '@erlmcp/otp';
import { runDemo } from './app';

/** npm start: run the demo, then stop the node (also on Ctrl-C) and exit cleanly. */
async function main(): Promise<void> {
  const node = Node.start({ logLevel: process.env.ERLMCP_LOG_LEVEL ?? 'info' });
  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= node.stop());
  process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));
  try {
    await runDemo((line) => console.log(line));
  } finally {
    await shutdown();
  }
  console.log('node stopped: every process exited, every timer cleared');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
