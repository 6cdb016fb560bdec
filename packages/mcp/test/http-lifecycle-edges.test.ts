import { type IncomingMessage, request } from 'node:http';
import { Node } from '@erlmcp/otp';
import { defineServer } from '../src/server';
import { listenHttp, type ListenHttpOptions, type McpHttpServer } from '../src/hosting';
import { deferred, fixtureDefinition, fixtureHooks, type FixtureHooks } from './helpers/fixture';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

/** Resolves with the response as soon as its head arrives, before any body. */
function head(url: string, method: string, headers: Record<string, string>, body?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

const ping = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
const callWait = (id: number): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'wait', arguments: {} } });
const cancel = (requestId: number): string =>
  JSON.stringify({
    jsonrpc: '2.0',
    method: 'notifications/cancelled',
    params: { requestId, reason: 'no longer needed' },
  });

interface Served {
  node: Node;
  server: McpHttpServer;
  hooks: FixtureHooks;
  /** POST headers of the session, when one was initialized. */
  headers: Record<string, string>;
}

/**
 * Around each test of the enclosing describe: a node, the fixture server with these options,
 * and (unless `initializeAs` is false) a session initialized under that revision.
 */
function serveFixture(options: ListenHttpOptions, initializeAs: string | false): Served {
  const served = {} as Served;
  beforeEach(async () => {
    served.node = Node.start({ schedulers: 1, logLevel: 'silent' });
    served.hooks = fixtureHooks();
    served.server = await listenHttp(fixtureDefinition(served.hooks), options);
    served.headers =
      initializeAs === false
        ? JSON_HEADERS
        : { ...JSON_HEADERS, 'mcp-session-id': await initialize(served.server.url, {}, initializeAs) };
  });
  afterEach(async () => {
    await served.server.close();
    await served.node.stop();
  });
  return served;
}

describe('Streamable HTTP in JSON response mode: cancellation', () => {
  const served = serveFixture({ responseMode: 'json' }, '2025-11-25');

  it('a cancelled request ends its POST with no answer, and the session keeps serving', async () => {
    const { server, hooks, headers } = served;
    const call = raw(server.url, 'POST', headers, callWait(1));
    await hooks.started.promise;
    expect((await raw(server.url, 'POST', headers, cancel(1))).status).toBe(202);
    expect(await hooks.aborted.promise).toBe('no longer needed');
    // The cancelled request is never answered, but its HTTP request must still end.
    const res = await call;
    expect(res.status).toBe(202);
    expect(res.body).toBe('');
    expect(server.host.lookup(headers['mcp-session-id'])).toBeDefined();
    expect(messages(await raw(server.url, 'POST', headers, ping(2)))).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);
  });
});

describe('Streamable HTTP under 2025-06-18 (no priming event): SSE streams show their head at once', () => {
  const served = serveFixture({}, '2025-06-18');

  it('a GET stream with nothing to send yet', async () => {
    const res = await head(served.server.url, 'GET', {
      accept: 'text/event-stream',
      'mcp-session-id': served.headers['mcp-session-id'],
      'mcp-protocol-version': '2025-06-18',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    res.destroy();
  });

  it('the stream of a tool still running that has sent nothing yet', async () => {
    const res = await head(
      served.server.url,
      'POST',
      { ...served.headers, 'mcp-protocol-version': '2025-06-18' },
      callWait(1),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    let body = '';
    res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    const ended = new Promise((resolve) => res.on('end', resolve));
    served.hooks.release.resolve();
    await ended;
    expect(body).toContain('"released"');
  });
});

describe('Streamable HTTP: an initialize that fails leaves no session behind', () => {
  const served = serveFixture({}, false);
  const initializeWith = (message: object): string =>
    JSON.stringify({ jsonrpc: '2.0', method: 'initialize', ...message });
  const goodParams = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } };

  it.each([
    ['invalid params', initializeWith({ id: 1, params: { protocolVersion: 7 } }), 200],
    ['a wrong jsonrpc version', initializeWith({ jsonrpc: '1.0', id: 1, params: goodParams }), 400],
    ['a notification', initializeWith({ params: goodParams }), 202],
  ])('%s: answered as before, and the id it named is gone', async (_label, body, status) => {
    const { server } = served;
    const res = await raw(server.url, 'POST', JSON_HEADERS, body);
    expect(res.status).toBe(status);
    const named = res.headers['mcp-session-id'];
    if (typeof named === 'string') {
      expect((await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': named }, ping(2))).status).toBe(404);
    }
    expect(server.host.sessionCount).toBe(0);
  });
});

describe('Streamable HTTP under 2025-03-26: notifications/cancelled inside a batch that carries requests', () => {
  const served = serveFixture({}, '2025-03-26');
  const callWaitMessage = (id: number): object => JSON.parse(callWait(id)) as object;
  const cancelMessage = (id: number): object => JSON.parse(cancel(id)) as object;

  it('of a request in the same batch: the batch is answered without it, and its POST ends', async () => {
    const res = await raw(
      served.server.url,
      'POST',
      served.headers,
      JSON.stringify([callWaitMessage(1), JSON.parse(ping(2)), cancelMessage(1)]),
    );
    expect(messages(res)).toEqual([[{ jsonrpc: '2.0', id: 2, result: {} }]]);
    expect(await served.hooks.aborted.promise).toBe('no longer needed');
  });

  it('of a request on another POST: that POST ends with no answer', async () => {
    const { server, hooks, headers } = served;
    const call = raw(server.url, 'POST', headers, callWait(3));
    await hooks.started.promise;
    const res = await raw(server.url, 'POST', headers, JSON.stringify([JSON.parse(ping(4)), cancelMessage(3)]));
    expect(messages(res)).toEqual([[{ jsonrpc: '2.0', id: 4, result: {} }]]);
    expect(messages(await call)).toEqual([]);
    expect(messages(await raw(server.url, 'POST', headers, ping(5)))).toEqual([{ jsonrpc: '2.0', id: 5, result: {} }]);
  });
});

describe('Streamable HTTP: ctx.closeSseStream() with a client older than 2025-11-25', () => {
  it('keeps the stream open (before SEP-1699 a server must not end it before the answer, and the client has no event id to resume with)', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const closed = deferred();
    const release = deferred();
    const definition = defineServer({ name: 'poller', version: '1' })
      .tool({
        name: 'poll',
        handler: async (_args, ctx) => {
          ctx.closeSseStream();
          closed.resolve();
          await release.promise;
          return { content: [{ type: 'text', text: 'done' }] };
        },
      })
      .build();
    const server = await listenHttp(definition);
    try {
      const headers = { ...JSON_HEADERS, 'mcp-session-id': await initialize(server.url, {}, '2025-06-18') };
      const call = raw(
        server.url,
        'POST',
        headers,
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'poll' } }),
      );
      await closed.promise;
      release.resolve();
      expect(messages(await call)).toEqual([
        { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'done' }] } },
      ]);
    } finally {
      await server.close();
      await node.stop();
    }
  });
});
