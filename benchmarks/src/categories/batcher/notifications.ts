/**
 * notification_coalescing_<transport> and notification_rate_<transport>: one MCP
 * session on a real socket, over NDJSON (stdio's framing, on TCP: hostNdjson),
 * Streamable HTTP (the call's SSE stream) or WebSocket, calls a tool that sends
 * a progress notification after each step of async work (a turn of the event
 * loop, as awaiting I/O is). Ours: the session's writes go through a
 * WriteCoalescer with its defaults (adaptive, 2 ms budget), as examples/mcp-server
 * wires it; peer: no coalescer. Writes are counted at the server's socket: calls
 * of its `_write`/`_writev`, each one write handed to the OS (for SSE and WebSocket
 * node already gathers what is written in one turn, so a message per turn is the
 * case a coalescer changes). The rate is notifications over the time from sending
 * the call to reading its answer.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { Node } from '@erlmcp/otp';
import { defineServer, hostNdjson, type OutboundCoalescer } from '@erlmcp/mcp/server';
import { listenHttp, SessionHost } from '@erlmcp/mcp/hosting';
import { WriteCoalescer } from '@erlmcp/message-batcher';
import type { Measurement } from '../../harness/types';

export type Transport = 'stdio' | 'http_sse' | 'websocket';
export const TRANSPORTS: Transport[] = ['stdio', 'http_sse', 'websocket'];

const definition = defineServer({ name: 'steps', version: '1' })
  .tool<{ to: number }>({
    name: 'steps',
    description: 'Steps to `to`, a progress notification after each step',
    inputSchema: { type: 'object', properties: { to: { type: 'integer' } }, required: ['to'] },
    handler: async ({ to }, ctx) => {
      for (let i = 1; i <= to; i++) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        ctx.progress(i, to);
      }
      return { content: [{ type: 'text', text: 'done' }] };
    },
  })
  .build();

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
};
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };
const call = (to: number) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'steps', arguments: { to }, _meta: { progressToken: 'p' } },
});

/** Counts the socket-level writes of every connection `server` accepts. */
function countWrites(server: Server): { count: number } {
  const counter = { count: 0 };
  server.on('connection', (socket: Socket) => {
    const s = socket as unknown as Record<'_write' | '_writev', ((...args: unknown[]) => unknown) | undefined>;
    for (const key of ['_write', '_writev'] as const) {
      const original = s[key];
      if (original === undefined) continue;
      s[key] = function (this: unknown, ...args: unknown[]) {
        counter.count++;
        return original.apply(this, args);
      };
    }
  });
  return counter;
}

/** A connected, initialized session: `call` sends the call and resolves with the text read until its answer. */
interface Session {
  call(to: number): Promise<string>;
  close(): void;
}

async function ndjsonSession(server: Server, port: number): Promise<Session> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  let waiting: { marker: string; resolve: () => void } | undefined;
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    if (waiting !== undefined && text.includes(waiting.marker)) waiting.resolve();
  });
  const until = (marker: string) =>
    text.includes(marker) ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { marker, resolve }));
  const send = (m: unknown) => socket.write(JSON.stringify(m) + '\n');
  send(INITIALIZE);
  await until('"id":0,');
  send(INITIALIZED);
  return {
    async call(to) {
      text = '';
      send(call(to));
      await until('"id":1,"result"');
      return text;
    },
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}

async function sseSession(url: string): Promise<Session> {
  let session: string | undefined;
  const post = async (body: unknown) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(session === undefined ? {} : { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }),
      },
      body: JSON.stringify(body),
    });
    session ??= res.headers.get('mcp-session-id') ?? undefined;
    return res.text();
  };
  await post(INITIALIZE);
  await post(INITIALIZED);
  return { call: (to) => post(call(to)), close: () => undefined };
}

async function wsSession(url: string): Promise<Session> {
  const ws = new WebSocket(url, 'mcp');
  await once(ws, 'open');
  let text = '';
  let waiting: { id: number; resolve: () => void } | undefined;
  ws.on('message', (data: Buffer) => {
    const message = data.toString();
    text += message + '\n';
    if (waiting !== undefined && (JSON.parse(message) as { id?: number }).id === waiting.id) waiting.resolve();
  });
  const answer = (id: number) => new Promise<void>((resolve) => (waiting = { id, resolve }));
  const initialized = answer(0);
  ws.send(JSON.stringify(INITIALIZE));
  await initialized;
  ws.send(JSON.stringify(INITIALIZED));
  return {
    async call(to) {
      text = '';
      const answered = answer(1);
      ws.send(JSON.stringify(call(to)));
      await answered;
      return text;
    },
    close: () => ws.terminate(),
  };
}

async function run(transport: Transport, count: number, coalesce: boolean): Promise<{ writes: number; ms: number }> {
  const node = Node.start({ schedulers: 1, logLevel: 'silent' });
  const coalescer: WriteCoalescer | undefined = coalesce ? new WriteCoalescer() : undefined;
  await coalescer?.start();
  const host = await new SessionHost(definition).start();
  const option: { coalescer?: OutboundCoalescer } = coalescer === undefined ? {} : { coalescer };
  let writes: { count: number };
  let session: Session;
  let stopHttp: (() => Promise<void>) | undefined;
  if (transport === 'stdio') {
    const server = createServer((socket) => void hostNdjson(host, socket, socket, option));
    writes = countWrites(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    session = await ndjsonSession(server, (server.address() as AddressInfo).port);
  } else {
    const http = await listenHttp(host, { websocket: true, ...option });
    writes = countWrites(http.server);
    stopHttp = () => http.close();
    session = transport === 'http_sse' ? await sseSession(http.url) : await wsSession(http.wsUrl!);
  }
  const before = writes.count;
  const start = performance.now();
  const text = await session.call(count);
  const ms = performance.now() - start;
  const done = writes.count - before;
  const progress = text.split('\n').filter((l) => l.includes('notifications/progress')).length;
  if (progress !== count) throw new Error(`${transport}: expected ${count} progress notifications, read ${progress}`);
  session.close();
  await stopHttp?.();
  await host.stop();
  await coalescer?.stop();
  await node.stop();
  return { writes: done, ms };
}

/** Socket writes per 1,000 notifications (the answer's write included). */
export const writes =
  (transport: Transport, coalesce: boolean) =>
  async (count: number): Promise<Measurement> => {
    const { writes: n, ms } = await run(transport, count, coalesce);
    return { value: (n * 1000) / count, ms };
  };

/** Notifications per second, from the call sent to its answer read. */
export const rate =
  (transport: Transport, coalesce: boolean) =>
  async (count: number): Promise<Measurement> => {
    const { ms } = await run(transport, count, coalesce);
    return { value: count / (ms / 1000) };
  };
