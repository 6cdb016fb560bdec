// A project outside the erlmcp-ts repository, built against the packed tarballs:
// an application whose supervision tree holds a sharded registry, a GenServer named
// through it, and a GenServer on a worker scheduler that writes an ETS table; and an
// MCP server whose tool reads the table, called by an MCP client over Streamable HTTP
// on 127.0.0.1.
import { threadId } from 'node:worker_threads';
import { Application, GenServer, Supervisor, noreply, ok, reply, via } from '@erlmcp/otp';
import { ShardedRegistry } from '@erlmcp/sharded-registry';
import { connectHttp } from '@erlmcp/mcp/client';
import { defineServer } from '@erlmcp/mcp/server';
import { listenHttp } from '@erlmcp/mcp/hosting';
import { outsideThisProject } from './modules';
import { hitsTable, startNode } from './node-setup';
import type { Bump, tally } from './tally';

const counter = GenServer.define({
  init: (start: number) => ok(start),
  handleCall: (_req: 'get', _from, n: number) => reply(n, n),
  handleCast: (_msg: 'inc', n: number) => noreply(n + 1),
});

async function main(): Promise<void> {
  const node = startNode();
  const hits = hitsTable();
  const registry = ShardedRegistry.create({ shards: 4 });
  const counterName = via(registry.nameService, 'counter');
  const tallyDef = GenServer.remote<typeof tally>(require.resolve('./tally'), 'tally');

  // An application: node.stop() stops its tree in order before the schedulers.
  const app = await Application.start({
    name: 'consumer',
    supervisor: {
      strategy: 'one_for_one',
      children: [
        registry.childSpec('registry'),
        GenServer.childSpec('counter', counter, 40, { name: counterName }),
        GenServer.childSpec('tally', tallyDef, hits.handle(), { name: 'tally', scheduler: 1 }),
      ],
    },
  });

  GenServer.cast(counterName, 'inc');
  GenServer.cast(counterName, 'inc');
  console.log(`counter: ${await GenServer.call(counterName, 'get')}`);

  const bump: Bump = { key: '/home', times: 1000 };
  const tallied = (await GenServer.call('tally', bump)) as { threadId: number; value: number; outside: string[] };
  console.log(`tally ran on another thread: ${tallied.threadId !== threadId}, counted ${tallied.value}`);
  // The scheduler threads' entry files, and every module they loaded, come from this project.
  console.log(
    `modules loaded from outside this project: worker thread ${JSON.stringify(tallied.outside)}, main thread ${JSON.stringify(outsideThisProject())}`,
  );
  console.log(`hits read on the main thread: ${hits.lookupElement('/home', 2)}`);

  const definition = defineServer({ name: 'consumer', version: '1.0.0' })
    .tool<{ key: string }>({
      name: 'hits',
      description: 'The hit count of a key',
      inputSchema: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
      handler: ({ key }) => ({ content: [{ type: 'text', text: String(hits.lookupElement(key, 2, 0)) }] }),
    })
    .build();
  const server = await listenHttp(definition, { port: 0 });
  const { client, close } = await connectHttp({
    url: server.url,
    clientInfo: { name: 'consumer-client', version: '1.0.0' },
  });
  const tools = await client.listTools();
  const result = await client.callTool({ name: 'hits', arguments: { key: '/home' } });
  console.log(
    `mcp ${new URL(server.url).hostname}: tools ${tools.tools.map((t) => t.name).join(',')}; hits(/home) = ${JSON.stringify(result.content)}`,
  );
  await close();
  await server.close();

  const children = await Supervisor.whichChildren(app.pid);
  console.log(`children: ${children.map((c) => c.id).join(',')}`);
  await node.stop();
  console.log('stopped');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
