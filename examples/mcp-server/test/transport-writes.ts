/**
 * Test helpers: one MCP session per transport (NDJSON over TCP, Streamable HTTP SSE,
 * WebSocket) running a tool that sends a progress notification after each step of async
 * work, with the server's socket writes counted (calls of the socket's `_write`/`_writev`:
 * each is one write handed to the OS).
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { defineServer, hostNdjson, type OutboundCoalescer } from '@erlmcp/mcp/server';
import { listenHttp, type McpHttpServer, type SessionHost } from '@erlmcp/mcp/hosting';

export type Transport = 'stdio' | 'http_sse' | 'websocket';
export const TRANSPORTS: Transport[] = ['stdio', 'http_sse', 'websocket'];

export interface Message {
  id?: number;
  method?: string;
  params?: { progress?: number; progressToken?: string };
  result?: { content?: { text: string }[] };
}

/** Lets a test hold a tool's answer back after its notifications went out. */
export const gates = new Map<string, { produced: () => void; open: Promise<void> }>();

/**
 * `steps`: `to` steps, each a turn of the event loop (as awaiting I/O would be) then a
 * progress notification; with `gate`, it waits for that gate before it answers.
 */
export const definition = defineServer({ name: 'steps', version: '1' })
  .tool<{ to: number; gate?: string }>({
    name: 'steps',
    description: 'Steps to `to`, a progress notification after each step',
    inputSchema: {
      type: 'object',
      properties: { to: { type: 'integer' }, gate: { type: 'string' } },
      required: ['to'],
    },
    handler: async ({ to, gate }, ctx) => {
      for (let i = 1; i <= to; i++) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        ctx.progress(i, to);
      }
      const held = gate === undefined ? undefined : gates.get(gate);
      if (held !== undefined) {
        held.produced();
        await held.open;
      }
      return { content: [{ type: 'text', text: `stepped to ${to}` }] };
    },
  })
  .build();

/** Counts the socket-level writes of every connection `server` accepts from now on. */
export function countWrites(server: Server): { count: number } {
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

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
};
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };

function call(to: number, token: string, gate?: string): unknown {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: {
      name: 'steps',
      arguments: { to, ...(gate === undefined ? {} : { gate }) },
      _meta: { progressToken: token },
    },
  };
}

/** A client session: `run` makes the call and resolves with every message read after initialize. */
export interface Client {
  /** Messages read so far after initialize (the call's notifications and answer). */
  readonly received: Message[];
  /** Sends the call; resolves when its answer has been read. */
  run(to: number, token: string, gate?: string): Promise<Message[]>;
  close(): void;
}

/** A server for `transport` on 127.0.0.1, its socket writes counted; `client()` opens a session. */
export interface Served {
  writes: { count: number };
  client(): Promise<Client>;
  close(): Promise<void>;
}

function messageWaiter(received: Message[]): { push(m: Message): void; answered(): Promise<void> } {
  let resolve: (() => void) | undefined;
  return {
    push(m) {
      received.push(m);
      if (m.id === 1 && resolve !== undefined) resolve();
    },
    answered: () => (received.some((m) => m.id === 1) ? Promise.resolve() : new Promise<void>((r) => (resolve = r))),
  };
}

async function serveNdjson(host: SessionHost, coalescer: OutboundCoalescer | undefined): Promise<Served> {
  const server = createServer((socket) => void hostNdjson(host, socket, socket, coalescer ? { coalescer } : {}));
  const writes = countWrites(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<Socket>();
  return {
    writes,
    async client() {
      const socket = connect(port, '127.0.0.1');
      sockets.add(socket);
      await once(socket, 'connect');
      const received: Message[] = [];
      const waiter = messageWaiter(received);
      let initialized: () => void;
      const ready = new Promise<void>((resolve) => (initialized = resolve));
      let buffered = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const m = JSON.parse(line) as Message;
          if (m.id === 0) initialized();
          else waiter.push(m);
        }
      });
      const send = (m: unknown) => socket.write(JSON.stringify(m) + '\n');
      send(INITIALIZE);
      await ready;
      send(INITIALIZED);
      return {
        received,
        async run(to, token, gate) {
          send(call(to, token, gate));
          await waiter.answered();
          return received;
        },
        close: () => socket.destroy(),
      };
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The JSON-RPC messages of an SSE body (priming events, with no data, left out). */
export function sseMessages(text: string): Message[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as Message);
}

async function serveHttp(
  host: SessionHost,
  coalescer: OutboundCoalescer | undefined,
  transport: 'http_sse' | 'websocket',
): Promise<Served> {
  const http: McpHttpServer = await listenHttp(host, { websocket: true, ...(coalescer ? { coalescer } : {}) });
  const writes = countWrites(http.server);
  const sockets = new Set<WebSocket>();
  const sseClient = async (): Promise<Client> => {
    const post = async (body: unknown, session?: string, received: Message[] = []) => {
      const res = await fetch(http.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(session === undefined ? {} : { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }),
        },
        body: JSON.stringify(body),
      });
      // Read as it streams, so that a test sees what has arrived before the answer.
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        const events = buffered.split('\n\n');
        buffered = events.pop()!;
        for (const event of events) received.push(...sseMessages(event));
      }
      received.push(...sseMessages(buffered));
      return { session: res.headers.get('mcp-session-id') ?? undefined };
    };
    const { session } = await post(INITIALIZE);
    await post(INITIALIZED, session);
    const received: Message[] = [];
    return {
      received,
      async run(to, token, gate) {
        await post(call(to, token, gate), session, received);
        return received;
      },
      close: () => undefined,
    };
  };
  const wsClient = async (): Promise<Client> => {
    const ws = new WebSocket(http.wsUrl!, 'mcp');
    sockets.add(ws);
    await once(ws, 'open');
    const received: Message[] = [];
    const waiter = messageWaiter(received);
    let initialized: () => void;
    const ready = new Promise<void>((resolve) => (initialized = resolve));
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as Message;
      if (m.id === 0) initialized();
      else waiter.push(m);
    });
    ws.send(JSON.stringify(INITIALIZE));
    await ready;
    ws.send(JSON.stringify(INITIALIZED));
    return {
      received,
      async run(to, token, gate) {
        ws.send(JSON.stringify(call(to, token, gate)));
        await waiter.answered();
        return received;
      },
      close: () => ws.close(),
    };
  };
  return {
    writes,
    client: transport === 'http_sse' ? sseClient : wsClient,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      await http.close();
    },
  };
}

export function serve(transport: Transport, host: SessionHost, coalescer?: OutboundCoalescer): Promise<Served> {
  return transport === 'stdio' ? serveNdjson(host, coalescer) : serveHttp(host, coalescer, transport);
}

/** The progress values of `token` in `messages`, in the order read. */
export function progressOf(messages: Message[], token: string): number[] {
  return messages
    .filter((m) => m.method === 'notifications/progress' && m.params?.progressToken === token)
    .map((m) => m.params!.progress!);
}
