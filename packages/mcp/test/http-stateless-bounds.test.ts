import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { defineServer } from '../src/server';
import { StatelessSseStream } from '../src/transport/http/stateless-stream';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

const V = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientCapabilities': {} };

function call(url: string, name: string, id: number, meta: Record<string, unknown> = {}) {
  return raw(
    url,
    'POST',
    { ...JSON_HEADERS, 'mcp-protocol-version': V, 'mcp-method': 'tools/call', 'mcp-name': name },
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: {}, _meta: { ...META, ...meta } },
    }),
  );
}

describe('stateless requests: at most maxStatelessRequests in flight', () => {
  let node: Node;
  let server: McpHttpServer;
  let started = 0;
  let release: () => void = () => undefined;
  let released: Promise<void>;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    started = 0;
    released = new Promise((resolve) => (release = resolve));
    const definition = defineServer({ name: 'bounded', version: '1.0.0' })
      .tool({
        name: 'hold',
        inputSchema: { type: 'object', properties: {} },
        handler: async () => {
          started += 1;
          await released;
          return { content: [{ type: 'text', text: 'held' }] };
        },
      })
      .tool({
        name: 'quick',
        inputSchema: { type: 'object', properties: {} },
        handler: () => ({ content: [{ type: 'text', text: 'quick' }] }),
      })
      .build();
    server = await listenHttp(definition, { maxStatelessRequests: 2, responseMode: 'json' });
  });

  afterEach(async () => {
    release();
    await server.close();
    await node.stop();
  });

  it('refuses the one past the limit with 503 and Retry-After, serves sessions meanwhile, and admits again once one ends', async () => {
    const held = [call(server.url, 'hold', 1), call(server.url, 'hold', 2)];
    for (let i = 0; i < 400 && started < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started).toBe(2);

    const refused = await call(server.url, 'quick', 3);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toEqual({
      jsonrpc: '2.0',
      error: { code: -32000, message: expect.stringMatching(/2 stateless requests are in flight/) },
    });
    // The bound is on stateless requests only: a 2025 session still starts and is answered.
    const session = await initialize(server.url);
    const viaSession = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'quick', arguments: {} } }),
    );
    expect(messages(viaSession)).toEqual([expect.objectContaining({ id: 4, result: expect.anything() })]);

    release();
    for (const res of await Promise.all(held)) expect(JSON.parse(res.body).result.content[0].text).toBe('held');
    const again = await call(server.url, 'quick', 5);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body).result.content[0].text).toBe('quick');
  });

  it('a client that leaves before its answer gives its place back', async () => {
    const target = new URL(server.url);
    const gone = [1, 2].map((id) => {
      const req = request({
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: false,
        headers: { ...JSON_HEADERS, 'mcp-protocol-version': V, 'mcp-method': 'tools/call', 'mcp-name': 'hold' },
      });
      req.on('error', () => undefined);
      req.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: 'hold', arguments: {}, _meta: META },
        }),
      );
      return req;
    });
    for (let i = 0; i < 400 && started < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await call(server.url, 'quick', 3)).status).toBe(503);
    for (const req of gone) req.destroy();
    let status = 0;
    for (let i = 0; i < 400 && status !== 200; i++) {
      status = (await call(server.url, 'quick', 4)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(status).toBe(200);
  });

  it('a limit below 1 is a RangeError', async () => {
    await expect(
      listenHttp(defineServer({ name: 'x', version: '1' }).build(), { maxStatelessRequests: 0 }),
    ).rejects.toThrow(RangeError);
  });
});

describe('stateless SSE streams: outboundHighWaterBytes', () => {
  let server: Server;
  let url: string;
  const highWater = 64 * 1024;
  const event = 'x'.repeat(8 * 1024);
  let observed: number[] = [];
  let respond: (res: ServerResponse) => void = () => undefined;

  beforeEach(async () => {
    observed = [];
    server = createServer((_req, res) => respond(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Opens the stream; reads nothing until `resume()`; resolves the body once the stream ends. */
  function open(): { resume(): void; body: Promise<string> } {
    let reading = false;
    let resume: () => void = () => void (reading = true);
    const body = new Promise<string>((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        res.pause();
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error('the stream was cut'));
        });
        resume = () => res.resume();
        if (reading) res.resume();
      });
      req.on('error', reject);
      req.end();
    });
    // A cut stream can fail before the test awaits `body` (a loaded machine may not have
    // delivered the head yet: "socket hang up"): handled here, still asserted by the test.
    body.catch(() => undefined);
    return { resume: () => resume(), body };
  }

  it('holds events past the high-water mark in order until the client reads, then sends them all and the answer', async () => {
    const events = 2000; // 16 MB: far more than the socket and kernel buffers take
    let stream: StatelessSseStream | undefined;
    respond = (res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      stream = new StatelessSseStream(res, { highWater, maxOutbound: 64 * 1024 * 1024 });
      for (let i = 0; i < events; i++) {
        stream.send(`{"n":${i},"pad":"${event}"}`, false);
        observed.push(res.writableLength);
      }
      stream.send('{"n":"answer"}', true);
    };
    const client = open();
    for (let i = 0; i < 400 && stream === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    // What sat in the socket's buffer never passed the mark by more than one event.
    expect(Math.max(...observed)).toBeLessThanOrEqual(highWater + event.length + 64);
    expect(stream!.bufferedBytes).toBeGreaterThan(events * event.length * 0.5);
    client.resume();
    const body = await client.body;
    const numbers = body
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => (JSON.parse(line.slice(6)) as { n: number | string }).n);
    expect(numbers).toEqual([...Array.from({ length: events }, (_, i) => i), 'answer']);
  });

  it("a high-water mark of 0 is floored at the socket's own: a reading client still gets every event", async () => {
    respond = (res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const stream = new StatelessSseStream(res, { highWater: 0, maxOutbound: 64 * 1024 * 1024 });
      for (let i = 0; i < 300; i++) stream.send(`{"n":${i},"pad":"${event}"}`, false);
      stream.send('{"n":"answer"}', true);
    };
    const client = open();
    client.resume();
    const lines = (await client.body).split('\n').filter((line) => line.startsWith('data: '));
    expect(lines).toHaveLength(301);
    expect(lines[300]).toBe('data: {"n":"answer"}');
  });

  it('cuts a stream past maxOutboundBytes, telling onError, and takes nothing more', async () => {
    const errors: Error[] = [];
    let res: ServerResponse | undefined;
    respond = (r) => {
      res = r;
      r.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const stream = new StatelessSseStream(r, { highWater, maxOutbound: 1024 * 1024, onError: (e) => errors.push(e) });
      for (let i = 0; i < 1000 && errors.length === 0; i++) stream.send(`"${event}"`, false);
      stream.send('"late"', true);
    };
    const client = open();
    for (let i = 0; i < 400 && res === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(errors).toEqual([expect.objectContaining({ name: 'OutboundOverflowError', limit: 1024 * 1024 })]);
    expect(res!.destroyed).toBe(true);
    client.resume();
    await expect(client.body).rejects.toThrow();
  });
});
