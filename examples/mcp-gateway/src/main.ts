import { Node } from '@erlmcp/otp';
import { startGateway } from './gateway';
import { defaultUpstreams } from './upstreams';

/** `npm run gateway`: the gateway with its default upstreams, on 127.0.0.1:${PORT:-3100}. */
async function main(): Promise<void> {
  const node = Node.start({ schedulers: 1 });
  const gateway = await startGateway({ upstreams: defaultUpstreams(), port: Number(process.env.PORT ?? 3100) });
  const offered = [...gateway.loaded]
    .map(([name, c]) => `  ${name}: ${c.tools} tools, ${c.resources} resources, ${c.prompts} prompts`)
    .join('\n');
  process.stderr.write(`erlmcp MCP gateway at ${gateway.url} (Streamable HTTP)\n${offered}\nCtrl-C stops it.\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.stop();
    await node.stop();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
