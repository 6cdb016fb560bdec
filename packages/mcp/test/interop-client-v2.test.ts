import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { useFixtureHttpServer } from './helpers/fixture-http';

describe('the @modelcontextprotocol/client 2.x Client over Streamable HTTP', () => {
  const fixtureServer = useFixtureHttpServer();

  it('connects and works with version negotiation left at its default (legacy: an initialize session)', async () => {
    const client = new Client({ name: 'v2', version: '2.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(fixtureServer().url));
    await client.connect(transport);
    expect(client.getServerVersion()).toMatchObject({ name: 'fixture-server', version: '1.2.3' });
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    expect(transport.sessionId).toBeDefined();
    await exercise(client);
    await transport.terminateSession();
    await client.close();
  });

  // 'auto' probes with server/discover and stays modern when the server answers it; a pin
  // accepts nothing but that revision. Either way no session is made.
  for (const mode of ['auto', { pin: '2026-07-28' }] as const) {
    it(`speaks 2026-07-28 statelessly with version negotiation ${JSON.stringify(mode)}`, async () => {
      const client = new Client({ name: 'v2', version: '2.0.0' }, { versionNegotiation: { mode } });
      const transport = new StreamableHTTPClientTransport(new URL(fixtureServer().url));
      await client.connect(transport);
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(client.getProtocolEra()).toBe('modern');
      expect(client.getServerVersion()).toMatchObject({ name: 'fixture-server', version: '1.2.3' });
      expect(client.getInstructions()).toBe('Use the tools.');
      expect(transport.sessionId).toBeUndefined();
      await exercise(client);
      // No session holds anything between requests.
      expect(fixtureServer().host.registry.size).toBe(0);
      await client.close();
    });
  }

  it('listens to a subscription in 2026-07-28: acknowledged, opted-in changes only, closed by the client', async () => {
    const client = new Client({ name: 'v2', version: '2.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const transport = new StreamableHTTPClientTransport(new URL(fixtureServer().url));
    await client.connect(transport);
    const heard: string[] = [];
    const waiting: (() => void)[] = [];
    const hear = (what: string): void => {
      heard.push(what);
      waiting.shift()?.();
    };
    const heardCount = async (count: number): Promise<void> => {
      while (heard.length < count) await new Promise<void>((resolve) => waiting.push(resolve));
    };
    client.setNotificationHandler('notifications/tools/list_changed', () => hear('tools'));
    client.setNotificationHandler('notifications/prompts/list_changed', () => hear('prompts'));
    client.setNotificationHandler('notifications/resources/updated', (n) => hear(`updated ${n.params.uri}`));
    const subscription = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['memo://readme'] });
    expect(subscription.honoredFilter).toEqual({ toolsListChanged: true, resourceSubscriptions: ['memo://readme'] });
    const definition = fixtureServer().host.definition;
    definition.removePrompt(definition.prompts.list()[0].name);
    definition.notifyResourceUpdated('memo://other');
    definition.addTool({ name: 'late', handler: () => ({ content: [] }) });
    definition.notifyResourceUpdated('memo://readme');
    await heardCount(2);
    expect(heard).toEqual(['tools', 'updated memo://readme']);
    await subscription.close();
    expect(await subscription.closed).toBe('local');
    await client.close();
  });
});

async function exercise(client: Client): Promise<void> {
  expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(
    expect.arrayContaining(['echo', 'add', 'progress']),
  );
  expect(await client.callTool({ name: 'echo', arguments: { text: 'v2' } })).toMatchObject({
    content: [{ type: 'text', text: 'v2' }],
  });
  expect(await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })).toMatchObject({
    structuredContent: { sum: 42 },
  });
  const progress: number[] = [];
  await client.callTool(
    { name: 'progress', arguments: { steps: 2 } },
    { onprogress: (p) => void progress.push(p.progress) },
  );
  expect(progress).toEqual([1, 2]);
  expect((await client.readResource({ uri: 'memo://readme' })).contents).toEqual([
    { uri: 'memo://readme', mimeType: 'text/plain', text: 'Read me first.' },
  ]);
  const prompts = await client.listPrompts();
  expect(prompts.prompts.length).toBeGreaterThan(0);
}
