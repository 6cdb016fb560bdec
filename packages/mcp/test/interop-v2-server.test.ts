import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { type ClientSession, connectHttp, spawnStdioClient, type SubscriptionNotification } from '../src/client';
import { jsFixture, REPO_ROOT } from './helpers/child';

// Our client against the official @modelcontextprotocol/server 2.4.0 in revision 2026-07-28
// (issue #20, interop): over Streamable HTTP (its createMcpHandler, behind a node:http
// adapter bound to 127.0.0.1) and over stdio (its serveStdio, in a child process).

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { v2Server } = require('./fixtures/v2-server.cjs') as {
  v2Server: (
    changed: (server: unknown, uri: string) => Promise<void>,
  ) => ReturnType<Parameters<typeof createMcpHandler>[0]>;
};

const INFO = { name: 'erlmcp-client', version: '1.0.0' };

/** What a 2026-07-28 client answers when the server asks (multi round-trip). */
const handlers = {
  elicit: () => ({ action: 'accept' as const, content: { name: 'Ada' } }),
  createMessage: () => ({
    role: 'assistant' as const,
    content: { type: 'text' as const, text: 'engines compute' },
    model: 'scripted',
  }),
  listRoots: () => [{ uri: 'file:///work', name: 'work' }],
};

/** Web-standard handler behind node:http; a client closing its response closes the web stream (cancellation). */
function serveFetch(handler: McpHttpHandler): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const aborted = new AbortController();
      res.on('close', () => aborted.abort());
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      const response = await handler.fetch(
        new Request(`http://127.0.0.1${req.url ?? '/'}`, {
          method: req.method,
          headers,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
          signal: aborted.signal,
        }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body === null) return void res.end();
      const reader = response.body.getReader();
      aborted.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) break;
        res.write(value);
      }
      res.end();
    })().catch(() => res.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server }),
    ),
  );
}

async function next(subscription: AsyncIterable<SubscriptionNotification>): Promise<SubscriptionNotification> {
  const step = await subscription[Symbol.asyncIterator]().next();
  if (step.done) throw new Error('the subscription ended');
  return step.value;
}

/** Everything the v2 fixture offers, through our client in 2026-07-28. */
async function exercise(client: ClientSession): Promise<void> {
  expect(client.protocolVersion).toBe('2026-07-28');
  expect(client.serverInfo).toMatchObject({ name: 'v2-server', version: '2.4.0' });
  expect(client.instructions).toBe('The official 2.x server.');
  const tools = await client.listAllTools();
  expect(tools.map((tool) => tool.name)).toEqual(['echo', 'locate', 'count', 'interview', 'touch']);
  // zod's meta reaches the wire: over HTTP the region travels in Mcp-Param-Region too.
  expect(tools[1].inputSchema.properties?.region).toMatchObject({ 'x-mcp-header': 'Region' });
  expect(await client.callTool({ name: 'echo', arguments: { text: 'hi v2' } })).toMatchObject({
    content: [{ type: 'text', text: 'hi v2' }],
  });
  expect(await client.callTool({ name: 'locate', arguments: { region: 'eu-west', query: 'q' } })).toMatchObject({
    content: [{ type: 'text', text: 'q in eu-west' }],
  });
  const progress: number[] = [];
  expect(
    await client.callTool(
      { name: 'count', arguments: { steps: 3 } },
      { onProgress: (p) => void progress.push(p.progress) },
    ),
  ).toMatchObject({ content: [{ type: 'text', text: 'counted 3' }] });
  expect(progress).toEqual([1, 2, 3]);
  expect(await client.callTool({ name: 'interview', arguments: { topic: 'engines' } })).toMatchObject({
    content: [{ type: 'text', text: 'Ada on engines: engines compute [file:///work] state=topic:engines' }],
  });

  expect((await client.listAllResources()).map((r) => r.uri)).toEqual(['memo://readme']);
  expect((await client.listAllResourceTemplates()).map((t) => t.uriTemplate)).toEqual(['note://{name}']);
  expect((await client.readResource({ uri: 'memo://readme' })).contents).toEqual([
    { uri: 'memo://readme', mimeType: 'text/plain', text: 'Read me first.' },
  ]);
  expect((await client.readResource({ uri: 'note://beta' })).contents).toMatchObject([{ text: 'note beta' }]);
  const completion = await client.complete({
    ref: { type: 'ref/resource', uri: 'note://{name}' },
    argument: { name: 'name', value: 'b' },
  });
  expect(completion.completion.values).toEqual(['beta']);
  expect((await client.listAllPrompts()).map((p) => p.name)).toEqual(['greet']);
  expect(await client.getPrompt({ name: 'greet', arguments: { name: 'Grace' } })).toMatchObject({
    messages: [{ role: 'user', content: { type: 'text', text: 'Hello, Grace' } }],
  });

  const subscription = await client.listen({
    toolsListChanged: true,
    resourceSubscriptions: ['memo://readme'],
  });
  expect(subscription.honoured).toMatchObject({ toolsListChanged: true, resourceSubscriptions: ['memo://readme'] });
  await client.callTool({ name: 'touch', arguments: { uri: 'memo://readme' } });
  const heard = [await next(subscription), await next(subscription)];
  expect(heard).toEqual(
    expect.arrayContaining([
      { method: 'notifications/tools/list_changed' },
      { method: 'notifications/resources/updated', uri: 'memo://readme' },
    ]),
  );
  subscription.close();
  expect(await subscription.ended).toEqual({ reason: 'closed' });
}

describe('our client ↔ @modelcontextprotocol/server 2.4.0 over Streamable HTTP (createMcpHandler)', () => {
  let handler: McpHttpHandler;
  let http: { url: string; server: Server };

  beforeEach(async () => {
    handler = createMcpHandler(() =>
      v2Server(async (_server, uri) => {
        handler.notify.toolsChanged();
        handler.notify.resourceUpdated(uri);
      }),
    );
    http = await serveFetch(handler);
  });
  afterEach(async () => {
    await handler.close();
    http.server.closeAllConnections();
    await new Promise((resolve) => http.server.close(resolve));
  });

  for (const versionNegotiation of ['auto', { pin: '2026-07-28' }] as const) {
    test(`versionNegotiation ${JSON.stringify(versionNegotiation)}: tools, resources, prompts, completion, a multi round-trip call, a subscription`, async () => {
      const { client, sessionId, close } = await connectHttp({
        url: http.url,
        clientInfo: INFO,
        versionNegotiation,
        handlers,
      });
      try {
        expect(sessionId).toBeUndefined();
        await exercise(client);
        // Closing the stream ended the subscription on the server too.
        for (let i = 0; i < 200 && (handler.bus as { listenerCount?: number }).listenerCount !== 0; i++)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect((handler.bus as { listenerCount?: number }).listenerCount).toBe(0);
      } finally {
        await close();
      }
    });
  }
});

describe('our client ↔ @modelcontextprotocol/server 2.4.0 over stdio (serveStdio)', () => {
  test("'auto': the same features, subscriptions sharing the channel", async () => {
    const { client, close } = await spawnStdioClient({
      ...jsFixture('v2-server.cjs'),
      cwd: REPO_ROOT,
      clientInfo: INFO,
      versionNegotiation: 'auto',
      handlers,
    });
    try {
      await exercise(client);
    } finally {
      await close();
    }
  });
});
