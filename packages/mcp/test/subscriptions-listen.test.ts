import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { Node } from '@erlmcp/otp';
import { serveStdio } from '../src/server';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { fixtureDefinition } from './helpers/fixture';
import { JSON_HEADERS, raw } from './helpers/http';

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
const SUB = 'io.modelcontextprotocol/subscriptionId';
type Message = {
  method?: string;
  id?: unknown;
  params?: Record<string, any>;
  result?: unknown;
  error?: { code: number };
};

/** Opens a listen POST and hands out its SSE messages as they come; `close()` ends the stream. */
function openListen(url: string, notifications: unknown, id: string) {
  const target = new URL(url);
  const received: Message[] = [];
  const waiting: ((m: Message) => void)[] = [];
  let status = 0;
  let buffer = '';
  const req = request(
    {
      hostname: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      agent: false,
      headers: { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
    },
    (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').find((line) => line.startsWith('data: '));
          if (data === undefined) continue;
          const message = JSON.parse(data.slice(6)) as Message;
          const waiter = waiting.shift();
          if (waiter) waiter(message);
          else received.push(message);
        }
      });
    },
  );
  req.on('error', () => undefined);
  req.end(
    JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications, _meta: META } }),
  );
  return {
    next: (): Promise<Message> =>
      received.length > 0 ? Promise.resolve(received.shift()!) : new Promise((resolve) => waiting.push(resolve)),
    status: () => status,
    close: () => req.destroy(),
  };
}

describe('subscriptions/listen (2026-07-28)', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(fixtureDefinition(), { responseMode: 'json' });
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  it('acknowledges what it will honour, then sends only the opted-in changes, tagged with the subscription id', async () => {
    const listen = openListen(
      server.url,
      { toolsListChanged: true, resourceSubscriptions: ['memo://readme'], unknownType: true },
      'sub-1',
    );
    expect(await listen.next()).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: {
        notifications: { toolsListChanged: true, resourceSubscriptions: ['memo://readme'] },
        _meta: { [SUB]: 'sub-1' },
      },
    });
    expect(listen.status()).toBe(200);
    const definition = server.host.definition;
    // Not opted in: prompts list changes and other resources' updates.
    definition.removePrompt(definition.prompts.list()[0].name);
    definition.notifyResourceUpdated('memo://other');
    definition.addTool({ name: 'late', handler: () => ({ content: [] }) });
    definition.notifyResourceUpdated('memo://readme');
    expect(await listen.next()).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/tools/list_changed',
      params: { _meta: { [SUB]: 'sub-1' } },
    });
    expect(await listen.next()).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/resources/updated',
      params: { uri: 'memo://readme', _meta: { [SUB]: 'sub-1' } },
    });
    listen.close();
  });

  it('a malformed filter is -32602; closing the stream ends the subscription and its session', async () => {
    const bad = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'bad',
        method: 'subscriptions/listen',
        params: { notifications: 'everything', _meta: META },
      }),
    );
    expect(JSON.parse(bad.body).error.code).toBe(-32602);
    const listen = openListen(server.url, { toolsListChanged: true }, 'sub-2');
    await listen.next();
    const sessions = (): number =>
      [...(server.host.definition as unknown as { sessions: Set<unknown> }).sessions].length;
    expect(sessions()).toBe(1);
    listen.close();
    for (let i = 0; i < 100 && sessions() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sessions()).toBe(0);
  });

  it('a listener that stops reading is cut off past maxOutboundBytes; the server goes on', async () => {
    const errors: Error[] = [];
    const capped = await listenHttp(fixtureDefinition(), {
      maxOutboundBytes: 1024 * 1024,
      onError: (error) => errors.push(error),
    });
    try {
      const big = `big://${'p'.repeat(16 * 1024)}`;
      const target = new URL(capped.url);
      let acknowledged = false;
      const req = request(
        {
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent: false,
          headers: { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
        },
        (res) => {
          // Reads the acknowledgement, then nothing more.
          res.once('data', () => {
            acknowledged = true;
            res.pause();
          });
        },
      );
      req.on('error', () => undefined);
      req.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 'slow',
          method: 'subscriptions/listen',
          params: { notifications: { resourceSubscriptions: [big] }, _meta: META },
        }),
      );
      for (let i = 0; i < 200 && !acknowledged; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(acknowledged).toBe(true);
      // 64 MiB of updates at most: a server that never cuts the stream off fails here.
      for (let i = 0; i < 4096 && errors.length === 0; i++) {
        capped.host.definition.notifyResourceUpdated(big);
        if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(errors).toEqual([expect.objectContaining({ name: 'OutboundOverflowError', limit: 1024 * 1024 })]);
      // The server let go: the subscription's session is closed and detached from the definition.
      const sessions = (): number => (capped.host.definition as unknown as { sessions: Set<unknown> }).sessions.size;
      for (let i = 0; i < 200 && sessions() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(sessions()).toBe(0);
      req.destroy();
      const res = await raw(
        capped.url,
        'POST',
        { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } }),
      );
      expect(JSON.parse(res.body).result.tools.length).toBeGreaterThan(0);
    } finally {
      await capped.close();
    }
  });

  it('on stdio, subscriptions share the channel, and notifications/cancelled ends one', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const definition = fixtureDefinition();
    serveStdio(definition, { stdin, stdout });
    const lines: Message[] = [];
    let text = '';
    stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      let end: number;
      while ((end = text.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(text.slice(0, end)) as Message);
        text = text.slice(end + 1);
      }
    });
    const until = async (count: number): Promise<void> => {
      for (let i = 0; i < 200 && lines.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: META } })}\n`,
    );
    stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 'b', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: META } })}\n`,
    );
    await until(2);
    definition.addTool({ name: 'late', handler: () => ({ content: [] }) });
    await until(4);
    stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'a' } })}\n`,
    );
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'c', method: 'tools/list', params: { _meta: META } })}\n`);
    await until(5);
    definition.addTool({ name: 'later', handler: () => ({ content: [] }) });
    await until(6);
    expect(lines.map((m) => `${m.method ?? `answer ${String(m.id)}`} ${m.params?._meta?.[SUB] ?? ''}`.trim())).toEqual([
      'notifications/subscriptions/acknowledged a',
      'notifications/subscriptions/acknowledged b',
      'notifications/tools/list_changed a',
      'notifications/tools/list_changed b',
      'answer c',
      'notifications/tools/list_changed b',
    ]);
    stdin.end();
  });
});
