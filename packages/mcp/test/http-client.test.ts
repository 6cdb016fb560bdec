import { z } from 'zod';
import { Node } from '@erlmcp/otp';
import { connectHttp } from '../src/client';
import { listenHttp } from '../src/hosting';
import { fixtureDefinition } from './helpers/fixture';
import { sdkHttpServer as startSdkHttpServer, type SdkHttpServer } from './helpers/sdk-http-server';

/** The SDK's McpServer with a tool that reports progress, and a resource. */
function sdkHttpServer(): Promise<SdkHttpServer> {
  return startSdkHttpServer({
    setup: (mcp) => {
      mcp.registerTool('shout', { inputSchema: { text: z.string() } }, async ({ text }, extra) => {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: extra._meta?.progressToken ?? 0, progress: 1, total: 1 },
        });
        return { content: [{ type: 'text', text: text.toUpperCase() }] };
      });
      mcp.registerResource('note', 'note://one', { mimeType: 'text/plain' }, async (uri) => ({
        contents: [{ uri: uri.href, text: 'a note' }],
      }));
    },
  });
}

describe('our ClientSession over Streamable HTTP (connectHttp)', () => {
  it('talks to the SDK McpServer on its StreamableHTTPServerTransport', async () => {
    const sdk = await sdkHttpServer();
    try {
      const { client, sessionId, close } = await connectHttp({
        url: sdk.url,
        clientInfo: { name: 'ours', version: '1' },
      });
      expect(sessionId).toBeDefined();
      expect(client.serverInfo).toMatchObject({ name: 'sdk-http', version: '9.9.9' });
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['shout']);
      const progress: number[] = [];
      expect(
        await client.callTool(
          { name: 'shout', arguments: { text: 'hey' } },
          { onProgress: (p) => void progress.push(p.progress) },
        ),
      ).toEqual({
        content: [{ type: 'text', text: 'HEY' }],
      });
      expect(progress).toEqual([1]);
      expect((await client.readResource({ uri: 'note://one' })).contents).toEqual([
        { uri: 'note://one', text: 'a note' },
      ]);
      await close();
    } finally {
      await sdk.close();
    }
  });

  it('talks to our own server, and turns HTTP failures into errors of the requests they carried', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const server = await listenHttp(fixtureDefinition());
    try {
      const { client, sessionId, close } = await connectHttp({
        url: server.url,
        clientInfo: { name: 'ours', version: '1' },
      });
      expect(server.host.lookup(sessionId!)).toBeDefined();
      expect(await client.callTool({ name: 'echo', arguments: { text: 'round trip' } })).toEqual({
        content: [{ type: 'text', text: 'round trip' }],
      });
      // The session ends under the client: its next request fails with the server's 404 error.
      server.host.end(sessionId!);
      for (let i = 0; i < 1000 && server.host.lookup(sessionId!) !== undefined; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await expect(client.ping()).rejects.toThrow('Session not found');
      await close();
    } finally {
      await server.close();
      await node.stop();
    }
  });
});
