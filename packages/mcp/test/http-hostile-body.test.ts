import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { fixtureDefinition } from './helpers/fixture';
import { initialize, JSON_HEADERS, messages, raw, rawExchange } from './helpers/http';

// A 4 MB body of 2 million nested arrays used to cost a second of JSON.parse and hundreds of
// MB, with no session at all: the body was parsed before the session was looked up.

const ping = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
const NESTED = '['.repeat(2_000_000) + ']'.repeat(2_000_000);
const limitError = (limit: string) => ({
  jsonrpc: '2.0',
  error: {
    code: -32600,
    message: expect.stringContaining(limit),
    data: { limit, max: expect.any(Number), offset: expect.any(Number) },
  },
});

describe('Streamable HTTP: bodies past the JSON limits', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(fixtureDefinition());
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    raw(server.url, 'POST', { ...JSON_HEADERS, ...headers }, body);

  it('4 MB of nesting gets 400 with -32600 (the limit as data), with a session or without one; both sessions still answer', async () => {
    const session = await initialize(server.url);
    const bystander = await initialize(server.url);
    for (const headers of [{ 'mcp-session-id': session }, {}] as Record<string, string>[]) {
      const res = await post(NESTED, headers);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual(limitError('maxDepth'));
    }
    for (const [id, who] of [session, bystander].entries()) {
      expect(messages(await post(ping(id), { 'mcp-session-id': who }))).toEqual([{ jsonrpc: '2.0', id, result: {} }]);
    }
  });

  it('an initialize past the limits starts no session', async () => {
    const before = server.host.sessionCount;
    const deep = JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: { experimental: { x: JSON.parse('['.repeat(100) + ']'.repeat(100)) as unknown } },
        clientInfo: { name: 'deep', version: '1' },
      },
    });
    const res = await post(deep);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual(limitError('maxDepth'));
    expect(res.headers['mcp-session-id']).toBeUndefined();
    expect(server.host.sessionCount).toBe(before);
  });

  it('too many object members or array elements in one request: 400 with -32600', async () => {
    const session = await initialize(server.url);
    const members = Object.fromEntries(Array.from({ length: 100_001 }, (_, i) => [`k${i}`, 0]));
    const call = (args: unknown) =>
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: args } });
    expect(JSON.parse((await post(call({ text: 'x', members }), { 'mcp-session-id': session })).body)).toEqual(
      limitError('maxObjectKeys'),
    );
    expect(
      JSON.parse(
        (await post(call({ text: 'x', items: new Array(100_001).fill(0) }), { 'mcp-session-id': session })).body,
      ),
    ).toEqual(limitError('maxArrayItems'));
  });

  it('an unknown session id gets its 404 from the headers alone, before any of its body has come', async () => {
    const res = await rawExchange(server.url, [
      'POST /mcp HTTP/1.1',
      `Host: 127.0.0.1:${server.address.port}`,
      'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      'Mcp-Session-Id: no-such-session',
      `Content-Length: ${NESTED.length}`,
    ]);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
  });
});

describe('Streamable HTTP: the limits are the sessions’ own', () => {
  it('hostOptions.session.jsonLimits raises (or lowers) them for the HTTP front door too', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const server = await listenHttp(fixtureDefinition(), {
      hostOptions: { session: { jsonLimits: { maxDepth: 200, maxArrayItems: 200 } } },
    });
    try {
      const session = await initialize(server.url);
      const call = (params: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params });
      const deep = JSON.parse('['.repeat(150) + ']'.repeat(150)) as unknown;
      expect(
        messages(await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': session }, call({ deep }))),
      ).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
      const res = await raw(
        server.url,
        'POST',
        { ...JSON_HEADERS, 'mcp-session-id': session },
        call({ items: new Array(201).fill(0) }),
      );
      expect(JSON.parse(res.body)).toEqual(limitError('maxArrayItems'));
    } finally {
      await server.close();
      await node.stop();
    }
  });
});
