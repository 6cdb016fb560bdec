import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { useFixtureHttpServer } from './helpers/fixture-http';

describe('the @modelcontextprotocol/client 2.x Client over Streamable HTTP', () => {
  const fixtureServer = useFixtureHttpServer();

  // 'legacy' is its default; 'auto' probes with server/discover first and falls back to initialize.
  for (const mode of [undefined, 'auto'] as const) {
    it(`connects and works with version negotiation ${mode ?? 'left at its default'}`, async () => {
      const client = new Client({ name: 'v2', version: '2.0.0' }, mode === undefined ? {} : { versionNegotiation: { mode } });
      const transport = new StreamableHTTPClientTransport(new URL(fixtureServer().url));
      await client.connect(transport);
      expect(client.getServerVersion()).toMatchObject({ name: 'fixture-server', version: '1.2.3' });
      expect(transport.sessionId).toBeDefined();
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'add', 'progress']));
      expect(await client.callTool({ name: 'echo', arguments: { text: 'v2' } })).toMatchObject({ content: [{ type: 'text', text: 'v2' }] });
      expect(await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })).toMatchObject({ structuredContent: { sum: 42 } });
      const progress: number[] = [];
      await client.callTool({ name: 'progress', arguments: { steps: 2 } }, { onprogress: (p) => void progress.push(p.progress) });
      expect(progress).toEqual([1, 2]);
      expect((await client.readResource({ uri: 'memo://readme' })).contents).toEqual([
        { uri: 'memo://readme', mimeType: 'text/plain', text: 'Read me first.' },
      ]);
      await transport.terminateSession();
      await client.close();
    });
  }
});
