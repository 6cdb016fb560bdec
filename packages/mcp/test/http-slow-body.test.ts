import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { deferred, fixtureDefinition, fixtureHooks } from './helpers/fixture';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

/** What a raw socket received until the server closed it. */
interface Received {
  text: string;
  /** True once the server ended or closed the connection. */
  closed: Promise<void>;
}

/** Opens a POST by hand: the headers and `part` of a body promising `declared` bytes; then nothing. */
function stalledPost(
  url: string,
  headers: Record<string, string>,
  declared: number,
  part: string,
): { socket: Socket; received: Received } {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  const lines = [`POST ${target.pathname} HTTP/1.1`, `Host: ${target.host}`, `Content-Length: ${declared}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n${part}`);
  const received: Received = { text: '', closed: new Promise((resolve) => socket.once('close', () => resolve())) };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received.text += chunk));
  socket.on('error', () => undefined);
  return { socket, received };
}

const ping = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

describe('Streamable HTTP: a request body that does not arrive in time', () => {
  let node: Node;
  let server: McpHttpServer;
  const hooks = fixtureHooks();
  const definition = fixtureDefinition(hooks);

  beforeAll(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(definition, { bodyTimeoutMs: 200 });
  });

  afterAll(async () => {
    await server.close();
    await node.stop();
  });

  it('a stalled body gets 408 with a JSON-RPC error, the connection is closed, and others are still served', async () => {
    const session = await initialize(server.url);
    const stalled = stalledPost(
      server.url,
      { ...JSON_HEADERS, 'mcp-session-id': session },
      200,
      '{"jsonrpc":"2.0","id":1,',
    );
    await stalled.received.closed;
    expect(stalled.received.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(stalled.received.text).toMatch(/\r\nconnection: close\r\n/i);
    const body = stalled.received.text.slice(stalled.received.text.indexOf('\r\n\r\n') + 4);
    expect(JSON.parse(body)).toEqual({
      jsonrpc: '2.0',
      error: { code: -32000, message: expect.stringMatching(/^Request Timeout/) },
    });
    // The same session and a new one both still work.
    expect(messages(await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': session }, ping(2)))).toEqual([
      { jsonrpc: '2.0', id: 2, result: {} },
    ]);
    const other = await initialize(server.url);
    expect(messages(await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': other }, ping(3)))).toEqual([
      { jsonrpc: '2.0', id: 3, result: {} },
    ]);
  }, 30_000);

  it('a stalled initialize gets 408 and starts no session', async () => {
    const before = server.host.sessionCount;
    const stalled = stalledPost(server.url, JSON_HEADERS, 300, '{"jsonrpc":"2.0","id":0,"method":"initialize"');
    await stalled.received.closed;
    expect(stalled.received.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(stalled.received.text).not.toMatch(/mcp-session-id/i);
    expect(server.host.sessionCount).toBe(before);
  }, 30_000);

  it('a body trickled a byte at a time is cut off too: the limit is on the whole body, not between bytes', async () => {
    const session = await initialize(server.url);
    const stalled = stalledPost(server.url, { ...JSON_HEADERS, 'mcp-session-id': session }, 10_000, '{');
    const trickle = setInterval(() => {
      if (!stalled.socket.destroyed) stalled.socket.write(' ');
    }, 20);
    try {
      await stalled.received.closed;
    } finally {
      clearInterval(trickle);
    }
    expect(stalled.received.text).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('does not limit slow responses: a tool that runs past the body timeout still answers', async () => {
    const session = await initialize(server.url);
    const call = raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'wait' } }),
    );
    await hooks.started.promise;
    // Several body timeouts go by while the tool runs.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    hooks.release.resolve();
    const res = await call;
    expect(res.status).toBe(200);
    expect(messages(res).at(-1)).toEqual({
      jsonrpc: '2.0',
      id: 4,
      result: { content: [{ type: 'text', text: 'released' }] },
    });
  }, 30_000);

  it('does not limit the GET stream: it outlives several body timeouts and still carries notifications', async () => {
    const session = await initialize(server.url);
    const target = new URL(server.url);
    const got = deferred<string>();
    const get = request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'GET',
        headers: { accept: 'text/event-stream', 'mcp-session-id': session },
        agent: false,
      },
      (res) => {
        expect(res.statusCode).toBe(200);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('list_changed')) got.resolve(text);
        });
      },
    );
    get.on('error', () => undefined);
    get.end();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    definition.addTool({ name: 'late', handler: () => ({ content: [] }) });
    expect(await got.promise).toMatch(/notifications\/tools\/list_changed/);
    get.destroy();
  }, 30_000);
});

describe('Streamable HTTP: bodyTimeoutMs 0 turns the limit off', () => {
  it('a body that pauses and then completes is answered', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const server = await listenHttp(fixtureDefinition(), { bodyTimeoutMs: 0 });
    try {
      const session = await initialize(server.url);
      const body = ping(5);
      const slow = stalledPost(
        server.url,
        { ...JSON_HEADERS, 'mcp-session-id': session, connection: 'close' },
        Buffer.byteLength(body),
        body.slice(0, 5),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      slow.socket.write(body.slice(5));
      await slow.received.closed;
      expect(slow.received.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(slow.received.text).toContain('"id":5,"result":{}');
    } finally {
      await server.close();
      await node.stop();
    }
  }, 30_000);
});
