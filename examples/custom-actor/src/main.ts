import { Node, Supervisor } from '@erlmcp/otp';
import { runDemo } from './app';

/** npm start: run the demo, then stop the node and exit cleanly. */
async function main(): Promise<void> {
  const node = Node.start({ logLevel: process.env.ERLMCP_LOG_LEVEL ?? 'info' });
  try {
    const sup = await runDemo((line) => console.log(line));
    await Supervisor.stop(sup);
  } finally {
    await node.stop();
  }
  console.log('node stopped');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
