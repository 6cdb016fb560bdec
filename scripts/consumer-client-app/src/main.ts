// A project that installs @erlmcp/mcp alone (not @erlmcp/otp, its optional peer) and uses
// only its client: it spawns the weather server that the other consumer project built from
// the README quick start (its path is argv[2]) and calls a tool over stdio. It then says
// whether the runtime is installed here, and which runtime modules this process loaded.
import { spawnStdioClient } from '@erlmcp/mcp/client';

/** Whether a package can be found from this project. */
function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { client, close } = await spawnStdioClient({
    command: process.execPath,
    args: [process.argv[2]],
    clientInfo: { name: 'client-only', version: '1.0.0' },
  });
  const result = await client.callTool({ name: 'forecast', arguments: { city: 'Lima' } });
  await close();
  console.log(`client only: forecast ${JSON.stringify(result.structuredContent)}`);
  console.log(`client only: @erlmcp/otp installed: ${installed('@erlmcp/otp')}`);
  const runtime = Object.keys(require.cache).filter((file) =>
    /[\\/](@erlmcp[\\/]otp|winston|msgpackr|comlink)[\\/]/.test(file),
  );
  console.log(`client only: runtime modules loaded: ${JSON.stringify(runtime)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
