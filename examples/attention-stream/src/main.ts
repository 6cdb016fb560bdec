import { Node } from '@erlmcp/otp';
import { defaults, runDemo } from './app';

/** Sizes can be made smaller for a quick look: ATTENTION_N=1024 ATTENTION_PROMPT=512 node dist/main.js */
function sizes() {
  const num = (name: string, fallback: number) =>
    process.env[name] === undefined ? fallback : Number(process.env[name]);
  return {
    ...defaults,
    n: num('ATTENTION_N', defaults.n),
    prompt: num('ATTENTION_PROMPT', defaults.prompt),
    tokens: num('ATTENTION_TOKENS', defaults.tokens),
  };
}

async function main(): Promise<void> {
  const node = Node.start({ logLevel: process.env.ERLMCP_LOG_LEVEL ?? 'warn' });
  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= node.stop());
  process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));
  try {
    await runDemo((line) => console.log(line), sizes());
  } finally {
    await shutdown();
  }
  console.log('node stopped');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
