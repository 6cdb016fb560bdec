import { WebSocket } from 'ws';
import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { fixtureDefinition } from './helpers/fixture';
import { initialize, JSON_HEADERS, messages, raw, rawExchange } from './helpers/http';

const ping = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

describe('Streamable HTTP: bad input gets the spec answer, and everyone else is still served', () => {
  let node: Node;
  let server: McpHttpServer;
  let session: string;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(fixtureDefinition(), { maxBodyBytes: 4096 });
    session = await initialize(server.url);
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': session, ...headers }, body);

  it('answers requests on an SSE stream with event ids, and the session id header', async () => {
    const res = await post(ping(7));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['mcp-session-id']).toBe(session);
    expect(res.body).toMatch(/^id: \S+\nretry: 1000\ndata: \n\nid: \S+\ndata: \{/);
    expect(messages(res)).toEqual([{ jsonrpc: '2.0', id: 7, result: {} }]);
  });

  it('malformed JSON: 400 with -32700', async () => {
    const res = await post('{"jsonrpc": "2.0", ');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: expect.any(String) } });
  });

  it('wrong JSON-RPC shapes: 400 with -32600', async () => {
    for (const body of [
      '[]',
      '42',
      '{"jsonrpc":"1.0","id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","id":null,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1}',
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect((JSON.parse(res.body) as { error: { code: number } }).error.code).toBe(-32600);
    }
  });

  it('unknown methods get -32601 and invalid params -32602, on the stream', async () => {
    expect(messages(await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'no/such' })))).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found: no/such' } },
    ]);
    const [invalid] = messages(
      await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 5 } })),
    );
    expect((invalid as { error: { code: number } }).error.code).toBe(-32602);
  });

  it('notifications and responses are accepted with 202 and no body', async () => {
    const res = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }));
    expect(res.status).toBe(202);
    expect(res.body).toBe('');
  });

  it('oversized bodies: 413', async () => {
    const res = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5000) } }),
    );
    expect(res.status).toBe(413);
  });

  it('requests before initialize (no session yet): 400', async () => {
    const res = await raw(server.url, 'POST', JSON_HEADERS, ping(1));
    expect(res.status).toBe(400);
  });

  it('unknown session ids: 404 on POST, GET and DELETE', async () => {
    for (const method of ['POST', 'GET', 'DELETE']) {
      const res = await raw(
        server.url,
        method,
        { ...JSON_HEADERS, 'mcp-session-id': 'nope' },
        method === 'POST' ? ping(1) : undefined,
      );
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
    }
  });

  it('a bad MCP-Protocol-Version: 400; a supported one passes', async () => {
    expect((await post(ping(1), { 'mcp-protocol-version': '1999-01-01' })).status).toBe(400);
    expect((await post(ping(1), { 'mcp-protocol-version': '2025-06-18' })).status).toBe(200);
  });

  it('wrong media types and methods: 415, 406, 405', async () => {
    expect((await post(ping(1), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(ping(1), { accept: 'application/json' })).status).toBe(406);
    expect((await raw(server.url, 'PUT', JSON_HEADERS, ping(1))).status).toBe(405);
    expect((await raw(server.url.replace('/mcp', '/other'), 'POST', JSON_HEADERS, ping(1))).status).toBe(404);
  });

  it('DNS rebinding: a foreign Host or Origin gets 403', async () => {
    expect((await post(ping(1), { host: 'evil.example:80' })).status).toBe(403);
    expect((await post(ping(1), { origin: 'http://evil.example' })).status).toBe(403);
    expect(
      (await post(ping(1), { host: `localhost:${server.address.port}`, origin: 'http://localhost:5173' })).status,
    ).toBe(200);
    expect((await post(ping(1), { host: `[::1]:${server.address.port}` })).status).toBe(200);
  });

  it('a malformed Host (a port that is not a number, junk after an IPv6 literal) or two Host headers: 400', async () => {
    const port = server.address.port;
    const head = (hosts: string[]): string[] => [
      'POST /mcp HTTP/1.1',
      ...hosts.map((host) => `Host: ${host}`),
      'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      `Mcp-Session-Id: ${session}`,
      `Content-Length: ${ping(1).length}`,
    ];
    const refused = [
      ['localhost:evil'],
      ['localhost:80:80'],
      ['localhost:99999'],
      ['[::1]evil'],
      ['[::1]:8x'],
      ['evil@localhost'],
      [`localhost:${port}`, 'evil.example'],
      [`localhost:${port}`, `localhost:${port}`],
    ];
    for (const hosts of refused) {
      const res = await rawExchange(server.url, head(hosts), ping(1));
      expect([hosts, res.status]).toEqual([hosts, 400]);
      expect(JSON.parse(res.body)).toEqual({
        jsonrpc: '2.0',
        error: { code: -32000, message: expect.stringMatching(/^Bad Request: .*Host/) },
      });
    }
    // Still served, by a well-formed Host given once (an empty port is allowed by RFC 3986).
    for (const host of [`localhost:${port}`, 'localhost', 'LOCALHOST:', `[::1]:${port}`, `127.0.0.1:${port}`]) {
      expect([host, (await rawExchange(server.url, head([host]), ping(1))).status]).toEqual([host, 200]);
    }
  });

  it('a second GET stream on one session: 409', async () => {
    const controller = new AbortController();
    const first = await fetch(server.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session },
      signal: controller.signal,
    });
    expect(first.status).toBe(200);
    const second = await raw(server.url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session });
    expect(second.status).toBe(409);
    controller.abort();
    await first.body?.cancel().catch(() => undefined);
  });

  it('after all of that, the session still answers', async () => {
    await post('{');
    await post('[]');
    await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'no/such' }));
    expect(messages(await post(ping(99)))).toEqual([{ jsonrpc: '2.0', id: 99, result: {} }]);
  });
});

describe('Streamable HTTP with bearer-token auth', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(fixtureDefinition(), { bearerTokens: ['s3cret-token'] });
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  it('refuses requests without the token (401) and serves those with it', async () => {
    const missing = await raw(server.url, 'POST', JSON_HEADERS, ping(1));
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const wrong = await raw(server.url, 'POST', { ...JSON_HEADERS, authorization: 'Bearer nope' }, ping(1));
    expect(wrong.status).toBe(401);
    const id = await initialize(server.url, { authorization: 'Bearer s3cret-token' });
    const res = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, authorization: 'Bearer s3cret-token', 'mcp-session-id': id },
      ping(3),
    );
    expect(messages(res)).toEqual([{ jsonrpc: '2.0', id: 3, result: {} }]);
  });
});

describe('Streamable HTTP in JSON response mode', () => {
  it('answers a request with one JSON body', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const server = await listenHttp(fixtureDefinition(), { responseMode: 'json' });
    try {
      const id = await initialize(server.url);
      const res = await raw(
        server.url,
        'POST',
        { ...JSON_HEADERS, 'mcp-session-id': id },
        JSON.stringify({
          jsonrpc: '2.0',
          id: 5,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'j' } },
        }),
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body)).toEqual({
        jsonrpc: '2.0',
        id: 5,
        result: { content: [{ type: 'text', text: 'j' }] },
      });
    } finally {
      await server.close();
      await node.stop();
    }
  });
});

describe('WebSocket upgrades pass the same Host checks', () => {
  it('a malformed Host gets 400, a foreign one 403, a local one the upgrade', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const server = await listenHttp(fixtureDefinition(), { websocket: true });
    /** The status of the upgrade: 101 when it opened, else the refusal's. */
    const upgrade = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(server.wsUrl!, 'mcp', { headers: { host } });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
        });
        ws.once('error', reject);
      });
    try {
      expect(await upgrade('localhost:evil')).toBe(400);
      expect(await upgrade('evil.example')).toBe(403);
      expect(await upgrade(`localhost:${server.address.port}`)).toBe(101);
    } finally {
      await server.close();
      await node.stop();
    }
  });
});
