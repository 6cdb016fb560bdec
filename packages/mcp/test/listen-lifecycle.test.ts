import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { LineSplitter } from '@erlmcp/mcp';
import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { defineServer, serveStdio } from '../src/server';
import { JSON_HEADERS } from './helpers/http';
import { modernMeta, modernWire } from './helpers/modern-wire';

// subscriptions/listen streams that last: SSE keep-alive comments while nothing happens, and a
// graceful end (SubscriptionsListenResult, `_meta` naming the subscription) when the server stops.

const definition = () =>
  defineServer({ name: 'listen', version: '1' })
    .tool({ name: 't', handler: () => ({ content: [] }) })
    .build();

/** Opens a listen stream; `text()` is what arrived so far, `ended` resolves when the response ends. */
function openListen(url: string) {
  let body = '';
  let onData: (() => void) | undefined;
  const ended = new Promise<number>((resolve, reject) => {
    const target = new URL(url);
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
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          onData?.();
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'sub-1',
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true }, _meta: modernMeta() },
      }),
    );
  });
  /** Resolves once `predicate` holds of the body (checked on each chunk: no timer). */
  const until = (predicate: (text: string) => boolean) =>
    new Promise<void>((resolve) => {
      if (predicate(body)) return resolve();
      onData = () => {
        if (predicate(body)) {
          onData = undefined;
          resolve();
        }
      };
    });
  return { ended, until, text: () => body };
}

describe('subscriptions/listen over Streamable HTTP', () => {
  let node: Node;

  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  it('sends SSE comment lines as keep-alive, then on shutdown the SubscriptionsListenResult, and ends the stream', async () => {
    const server: McpHttpServer = await listenHttp(definition(), { keepAliveMs: 10 });
    const listen = openListen(server.url);
    await listen.until((text) => text.includes('notifications/subscriptions/acknowledged'));
    // Two comment lines, whenever they come: nothing here depends on how fast the machine is.
    await listen.until((text) => text.split('\n').filter((line) => line === ':').length >= 2);
    await server.close();
    expect(await listen.ended).toBe(200);
    const events = listen
      .text()
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as Record<string, any>);
    expect(events.at(-1)).toEqual({
      jsonrpc: '2.0',
      id: 'sub-1',
      result: {
        resultType: 'complete',
        _meta: {
          'io.modelcontextprotocol/subscriptionId': 'sub-1',
          'io.modelcontextprotocol/serverInfo': { name: 'listen', version: '1' },
        },
      },
    });
  });

  it('keepAliveMs: 0 sends no comment lines', async () => {
    const server = await listenHttp(definition(), { keepAliveMs: 0 });
    const listen = openListen(server.url);
    await listen.until((text) => text.includes('acknowledged'));
    await server.close();
    await listen.ended;
    expect(listen.text().split('\n')).not.toContain(':');
  });
});

describe('ServerSession.endSubscriptions', () => {
  it('answers each open listen with its result; other requests are unaffected', async () => {
    const wire = modernWire(definition());
    const one = wire.call('subscriptions/listen', { notifications: {}, _meta: modernMeta() }, 'a');
    const two = wire.call(
      'subscriptions/listen',
      { notifications: { toolsListChanged: true }, _meta: modernMeta() },
      'b',
    );
    expect((await wire.call('tools/call', { name: 't', _meta: modernMeta() })).result!.resultType).toBe('complete');
    wire.session.endSubscriptions();
    expect((await one).result!._meta['io.modelcontextprotocol/subscriptionId']).toBe('a');
    expect((await two).result!._meta['io.modelcontextprotocol/subscriptionId']).toBe('b');
    // Ended: a later change sends nothing more for them.
    const before = wire.sent.length;
    wire.session.endSubscriptions();
    expect(wire.sent.length).toBe(before);
  });
});

describe('serveStdio close()', () => {
  it('ends each open listen with its SubscriptionsListenResult before the pipe closes', async () => {
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const served = serveStdio(definition(), { stdin: toServer, stdout: fromServer });
    const lines: Record<string, any>[] = [];
    const splitter = new LineSplitter({
      maxLineBytes: 1 << 20,
      onLine: (line) => void lines.push(JSON.parse(line) as Record<string, any>),
      onOversize: () => undefined,
    });
    fromServer.on('data', (chunk: Buffer) => splitter.push(chunk));
    const ended = new Promise((resolve) => fromServer.once('end', resolve));
    fromServer.resume();
    toServer.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: modernMeta() } })}\n`,
    );
    for (let i = 0; i < 2000 && lines.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({ method: 'notifications/subscriptions/acknowledged' });
    served.close();
    await ended;
    await served.closed;
    expect(lines.at(-1)).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      result: { resultType: 'complete', _meta: { 'io.modelcontextprotocol/subscriptionId': 7 } },
    });
  });
});
