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
