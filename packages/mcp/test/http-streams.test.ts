import { request } from 'node:http';
import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { fixtureDefinition, fixtureHooks, type FixtureHooks } from './helpers/fixture';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

describe('Streamable HTTP: how a POST is answered', () => {
  let node: Node;
  let server: McpHttpServer;
  let hooks: FixtureHooks;
  let session: string;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    hooks = fixtureHooks();
    server = await listenHttp(fixtureDefinition(hooks));
    session = await initialize(server.url);
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  const call = (id: number, name: string, extra: object = {}): string =>
    JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {}, ...extra } });

  it('an answer ready at once goes out as one SSE body with a Content-Length', async () => {
    const res = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'hi' } },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(messages(res)).toEqual([{ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hi' }] } }]);
  });

  it('a synchronous tool that logs before answering: its notifications, in order, then its answer, in the same one-write body', async () => {
    const headers = { ...JSON_HEADERS, 'mcp-session-id': session };
    const level = await raw(
      server.url,
      'POST',
      headers,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'debug' } }),
    );
    expect(messages(level)).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
    const res = await raw(server.url, 'POST', headers, call(2, 'log'));
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
    expect(res.headers['transfer-encoding']).toBeUndefined();
    const log = (level: string): unknown => ({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level, data: { level }, logger: 'fixture' },
    });
    expect(messages(res)).toEqual([
      log('debug'),
      log('info'),
      log('warning'),
      log('error'),
      { jsonrpc: '2.0', id: 2, result: { content: [] } },
    ]);
    // Every event has an id of this stream, in the order written (a priming event first, 2025-11-25).
    const ids = res.body
      .split('\n')
      .filter((line) => line.startsWith('id: '))
      .map((line) => line.slice(4));
    expect(ids).toHaveLength(6);
    const streams = new Set(ids.map((id) => id.split('.')[0]));
    expect(streams.size).toBe(1);
    const seqs = ids.map((id) => Number(id.split('.')[1]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('a tool still running opens its stream: progress arrives before the answer, which then ends it', async () => {
    const events: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(
        server.url,
        { method: 'POST', headers: { ...JSON_HEADERS, 'mcp-session-id': session } },
        (res) => {
          expect(res.headers['content-length']).toBeUndefined();
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            events.push(chunk);
            // The progress came while the tool waits: let it finish.
            if (chunk.includes('notifications/progress')) hooks.release.resolve();
          });
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(call(2, 'wait', { _meta: { progressToken: 'p' } }));
    });
    await ended;
    const text = events.join('');
    expect(messages({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: text })).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p', progress: 1 } },
      { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'released' }] } },
    ]);
    // The session serves its next request as before.
    const res = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }),
    );
    expect(messages(res)).toEqual([{ jsonrpc: '2.0', id: 3, result: {} }]);
  });

  it('a client that leaves while its tool runs does not stop the session', async () => {
    const left = new Promise<void>((resolve) => {
      const req = request(
        server.url,
        { method: 'POST', headers: { ...JSON_HEADERS, 'mcp-session-id': session } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => undefined);
      req.end(call(4, 'wait', { _meta: { progressToken: 'q' } }));
    });
    await left;
    hooks.release.resolve();
    const res = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping' }),
    );
    expect(messages(res)).toEqual([{ jsonrpc: '2.0', id: 5, result: {} }]);
    expect(server.host.lookup(session)).toBeDefined();
  });
});
