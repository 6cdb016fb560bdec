import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { Node } from '@erlmcp/otp';
import { defineServer, listenTcp, listenTcpHosted, type McpServerDefinition } from '../src/server';
import { listenHttp, SessionHost } from '../src/hosting';
import { tsFixture } from './helpers/child';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

// Thousands of malformed frames at every transport: each gets a spec-shaped answer (or, for
// notifications and responses, silence), nothing crashes, and a ping still works afterwards.

const json = fc.jsonValue({ maxDepth: 3 });
const id = fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
const method = fc.oneof(
  fc.constantFrom(
    'ping',
    'tools/list',
    'tools/call',
    'resources/read',
    'prompts/get',
    'initialize',
    'logging/setLevel',
  ),
  fc.string({ maxLength: 12 }),
);
const params = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 3 }),
  fc.array(json, { maxLength: 3 }),
);
/** Near-misses of a 2026-07-28 `_meta`: versions known and not, capabilities and log levels of any shape. */
const modernMeta = fc.record(
  {
    'io.modelcontextprotocol/protocolVersion': fc.oneof(
      fc.constantFrom('2026-07-28', '2025-11-25', '1900-01-01'),
      json,
    ),
    'io.modelcontextprotocol/clientCapabilities': fc.oneof(fc.constant({}), json),
    'io.modelcontextprotocol/clientInfo': fc.oneof(fc.constant({ name: 'f', version: '1' }), json),
    'io.modelcontextprotocol/logLevel': fc.oneof(fc.constantFrom('debug', 'error'), json),
    progressToken: fc.oneof(fc.string({ maxLength: 4 }), json),
  },
  { requiredKeys: ['io.modelcontextprotocol/protocolVersion'] },
);
/** Methods of 2026-07-28, those it removed, and extension requests this server does not know. */
const modernMethod = fc.oneof(
  method,
  fc.constantFrom(
    'server/discover',
    'subscriptions/listen',
    'tasks/get',
    'tasks/update',
    'tasks/cancel',
    'tasks/list',
    'io.modelcontextprotocol/tasks',
    'com.example/unknown',
    'resources/subscribe',
  ),
);
const modernParams = fc.record(
  {
    _meta: modernMeta,
    name: fc.oneof(fc.constant('echo'), json),
    uri: fc.oneof(fc.constant('memo://x'), json),
    arguments: fc.oneof(fc.constant({ text: 't' }), json),
    inputResponses: json,
    requestState: json,
    taskId: fc.oneof(fc.string({ maxLength: 24 }), json),
  },
  { requiredKeys: ['_meta'] },
);
const modernMessage = fc.record(
  { jsonrpc: fc.constant('2.0'), id, method: modernMethod, params: modernParams },
  { requiredKeys: ['jsonrpc', 'id', 'method', 'params'] },
);
const message = fc.oneof(
  modernMessage,
  fc.record({ jsonrpc: fc.constant('2.0'), id, method, params }, { requiredKeys: ['jsonrpc', 'id', 'method'] }),
  fc.record({ jsonrpc: fc.constant('2.0'), method, params }, { requiredKeys: ['jsonrpc', 'method'] }),
  fc.record(
    { jsonrpc: fc.constantFrom('2.0', '1.0', 2), id: fc.oneof(id, fc.constant(null), json), result: json, error: json },
    { requiredKeys: [] },
  ),
);
/** Nesting past the depth limit (64), closed or not, alone or inside a request's params. */
const nested = fc
  .tuple(fc.integer({ min: 65, max: 180 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, closed]) => {
    if (!closed) return open.repeat(depth);
    return open === '[' ? '['.repeat(depth) + ']'.repeat(depth) : `${open.repeat(depth)}0${'}'.repeat(depth)}`;
  });
/** Frames the pre-scan refuses: too deep, or more elements than the fuzzed servers' limit ({@link LIMITS}). */
const hostile = fc.oneof(
  nested,
  nested.map((inner) => `{"jsonrpc":"2.0","id":"deep","method":"ping","params":{"x":${inner}}}`),
  fc
    .integer({ min: 21, max: 200 })
    .map((n) => `{"jsonrpc":"2.0","id":"many","method":"ping","params":{"x":[${new Array(n).fill(0).join(',')}]}}`),
);
/** Small count limits, so that frames within the 1024-byte cap can go past them. */
const LIMITS = { maxObjectKeys: 20, maxArrayItems: 20 };
/** A frame: garbage text, JSON that is not JSON-RPC, near-miss messages, truncated ones, batches, hostile shapes. */
const frame = fc.oneof(
  fc.string({ maxLength: 40 }),
  json.map((value) => JSON.stringify(value)),
  message.map((value) => JSON.stringify(value)),
  fc.tuple(message, fc.nat({ max: 60 })).map(([value, cut]) => JSON.stringify(value).slice(0, cut)),
  fc.array(message, { maxLength: 3 }).map((value) => JSON.stringify(value)),
  hostile,
);
/** For transports where a frame is a line. */
const line = frame.map((text) => text.replace(/[\r\n]/g, ' '));
const RUNS = { numRuns: 20 };
const BATCH = { minLength: 50, maxLength: 100 };

function definition(): McpServerDefinition {
  // `job` runs as a task, so that tasks/* exist and get fuzzed task ids.
  return defineServer({ name: 'fuzz', version: '1.0.0' })
    .tool<{ text: string }>({
      name: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
    })
    .tool({ name: 'job', task: 'optional', handler: () => ({ content: [] }) })
    .build();
}

/** Whatever a server sends back must be a JSON-RPC response (or a batch of them). */
function expectResponses(text: string): void {
  const value = JSON.parse(text) as unknown;
  for (const item of Array.isArray(value) ? value : [value]) {
    expect(item).toMatchObject({ jsonrpc: '2.0' });
    expect('result' in (item as object) !== 'error' in (item as object)).toBe(true);
  }
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 'init',
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
});
const FINAL = JSON.stringify({ jsonrpc: '2.0', id: 'final-ping', method: 'ping' });

/** Sends frames on a line/message transport and waits for the final ping's answer. */
async function fuzzStream(
  send: (text: string) => void,
  received: AsyncIterable<string>,
  frames: string[],
): Promise<void> {
  send(INIT);
  send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  for (const text of frames) send(text);
  send(FINAL);
  for await (const text of received) {
    expectResponses(text);
    if ((JSON.parse(text) as { id?: unknown }).id === 'final-ping') return;
  }
  throw new Error('the connection ended before the final ping was answered');
}

/** Lines or messages from an event source, as an async iterable. */
function queue(): { push: (text: string) => void; end: () => void; iterable: AsyncIterable<string> } {
  const items: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    push: (text) => {
      items.push(text);
      wake?.();
    },
    end: () => {
      ended = true;
      wake?.();
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (items.length > 0) yield items.shift() as string;
          if (ended) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      },
    },
  };
}

/** The body of the issue: 4 MB, 2 million arrays deep. */
const NESTED = '['.repeat(2_000_000) + ']'.repeat(2_000_000);

/** Sends the nested body (and a request nested too deep) between a handshake and a ping: both get -32600 for maxDepth, then the ping its answer. */
async function hostileStream(send: (text: string) => void, received: AsyncIterable<string>): Promise<void> {
  send(INIT);
  send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  send(NESTED);
  send(`{"jsonrpc":"2.0","id":"deep","method":"ping","params":{"x":${'['.repeat(100)}${']'.repeat(100)}}}`);
  send(FINAL);
  const refusals: unknown[] = [];
  for await (const text of received) {
    expectResponses(text);
    const answer = JSON.parse(text) as { id?: unknown; error?: { code: number; data?: { limit?: string } } };
    if (answer.error !== undefined) refusals.push(answer.error);
    if (answer.id === 'final-ping') {
      const refusal = {
        code: -32600,
        message: expect.stringContaining('maxDepth'),
        data: expect.objectContaining({ limit: 'maxDepth' }),
      };
      expect(refusals).toEqual([refusal, refusal]);
      return;
    }
  }
  throw new Error('the connection ended before the final ping was answered');
}

describe('fuzzing every transport with malformed frames', () => {
  let node: Node;

  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });

  afterEach(async () => {
    await node.stop();
  });

  it('Streamable HTTP', async () => {
    const server = await listenHttp(definition(), {
      maxBodyBytes: 1024,
      hostOptions: { session: { jsonLimits: LIMITS } },
    });
    try {
      const bystander = await initialize(server.url);
      await fc.assert(
        fc.asyncProperty(fc.array(frame, BATCH), async (frames) => {
          const session = await initialize(server.url);
          for (const body of frames) {
            const res = await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': session }, body);
            expect([200, 202, 400, 413]).toContain(res.status);
            if (res.status === 202) expect(res.body).toBe('');
            else for (const item of messages(res)) expectResponses(JSON.stringify(item));
          }
          for (const who of [session, bystander]) {
            const res = await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': who }, FINAL);
            expect(messages(res)).toEqual([{ jsonrpc: '2.0', id: 'final-ping', result: {} }]);
          }
        }),
        RUNS,
      );
    } finally {
      await server.close();
    }
  });

  it('Streamable HTTP, 2026-07-28 requests without a session, with headers that match the body or not', async () => {
    const server = await listenHttp(definition(), {
      maxBodyBytes: 1024,
      hostOptions: { session: { jsonLimits: LIMITS } },
    });
    const header = fc.option(
      fc.oneof(
        fc.constantFrom('2026-07-28', 'tools/call', 'echo', '=?base64?ZWNobw==?=', '=?base64?%%?='),
        fc.string({ maxLength: 10 }),
      ),
      { nil: undefined },
    );
    // Each header either mirrors the body, is left out, or is anything.
    const post = fc.record({
      body: fc.oneof(modernMessage, message),
      version: fc.oneof(fc.constant('mirror'), header),
      method: fc.oneof(fc.constant('mirror'), header),
      name: fc.oneof(fc.constant('mirror'), header),
    });
    const printable = (value: unknown): string | undefined =>
      typeof value === 'string' && /^[\x20-\x7e]*$/.test(value) ? value : undefined;
    try {
      const bystander = await initialize(server.url);
      await fc.assert(
        fc.asyncProperty(fc.array(post, { minLength: 20, maxLength: 40 }), async (posts) => {
          for (const { body, version, method, name } of posts) {
            const params = (body as { params?: Record<string, unknown> }).params;
            const meta =
              params !== undefined && !Array.isArray(params)
                ? (params._meta as Record<string, unknown> | undefined)
                : undefined;
            const headers: Record<string, string> = { ...JSON_HEADERS };
            const set = (key: string, choice: string | undefined, mirrored: unknown): void => {
              const value = choice === 'mirror' ? printable(mirrored) : choice;
              if (value !== undefined) headers[key] = value;
            };
            set('mcp-protocol-version', version, meta?.['io.modelcontextprotocol/protocolVersion']);
            set('mcp-method', method, (body as { method?: unknown }).method);
            set('mcp-name', name, params?.name ?? params?.uri);
            const res = await raw(server.url, 'POST', headers, JSON.stringify(body));
            expect([200, 202, 400, 404, 413]).toContain(res.status);
            if (res.status === 202) expect(res.body).toBe('');
            else for (const item of messages(res)) expectResponses(JSON.stringify(item));
          }
          expect(server.host.registry.size).toBeLessThanOrEqual(posts.length + 1);
          const good = {
            jsonrpc: '2.0',
            id: 'final',
            method: 'tools/call',
            params: {
              name: 'echo',
              arguments: { text: 'still here' },
              _meta: {
                'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                'io.modelcontextprotocol/clientCapabilities': {},
              },
            },
          };
          const res = await raw(
            server.url,
            'POST',
            { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
            JSON.stringify(good),
          );
          expect(messages(res)).toEqual([
            expect.objectContaining({
              id: 'final',
              result: expect.objectContaining({
                content: [{ type: 'text', text: 'still here' }],
                resultType: 'complete',
              }),
            }),
          ]);
          const ping = await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': bystander }, FINAL);
          expect(messages(ping)).toEqual([{ jsonrpc: '2.0', id: 'final-ping', result: {} }]);
        }),
        RUNS,
      );
    } finally {
      await server.close();
    }
  });

  it('WebSocket', async () => {
    const server = await listenHttp(definition(), {
      websocket: true,
      hostOptions: { session: { jsonLimits: LIMITS } },
    });
    const open = async (): Promise<{ ws: WebSocket; received: ReturnType<typeof queue> }> => {
      const ws = new WebSocket(server.wsUrl!, 'mcp');
      const received = queue();
      ws.on('message', (data) => received.push(data.toString()));
      ws.on('close', () => received.end());
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      return { ws, received };
    };
    try {
      const bystander = await open();
      await fuzzStream((text) => bystander.ws.send(text), bystander.received.iterable, []);
      await fc.assert(
        fc.asyncProperty(fc.array(frame, BATCH), async (frames) => {
          const { ws, received } = await open();
          await fuzzStream((text) => ws.send(text), received.iterable, frames);
          ws.close();
          await fuzzStream((text) => bystander.ws.send(text), bystander.received.iterable, []);
        }),
        RUNS,
      );
      bystander.ws.close();
    } finally {
      await server.close();
    }
  });

  it('TCP', async () => {
    const server = await listenTcp(definition(), { maxLineBytes: 1024, jsonLimits: LIMITS });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(line, BATCH), async (frames) => {
          const socket = connect(server.address.port, '127.0.0.1');
          await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
          const received = queue();
          createInterface({ input: socket }).on('line', received.push).on('close', received.end);
          await fuzzStream((text) => socket.write(`${text}\n`), received.iterable, frames);
          socket.destroy();
        }),
        RUNS,
      );
    } finally {
      await server.close();
    }
  });

  it('stdio', async () => {
    const { command, args, env } = tsFixture('stdio-server.ts');
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    const received = queue();
    createInterface({ input: child.stdout }).on('line', received.push).on('close', received.end);
    try {
      const frames = fc.sample(fc.array(line, { minLength: 1000, maxLength: 1000 }), { numRuns: 1, seed: 42 })[0];
      // The server initializes once; the same session takes every frame.
      await fuzzStream((text) => child.stdin.write(`${text}\n`), received.iterable, frames);
      await fuzzStream(
        (text) => child.stdin.write(`${text}\n`),
        received.iterable,
        fc.sample(line, { numRuns: 1000, seed: 7 }),
      );
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  describe('the 4 MB nested body on every transport, at the default limits', () => {
    it('Streamable HTTP', async () => {
      const server = await listenHttp(definition());
      try {
        const session = await initialize(server.url);
        const bystander = await initialize(server.url);
        for (const headers of [{ 'mcp-session-id': session }, {}] as Record<string, string>[]) {
          const res = await raw(server.url, 'POST', { ...JSON_HEADERS, ...headers }, NESTED);
          expect(res.status).toBe(400);
          expect(JSON.parse(res.body)).toMatchObject({
            jsonrpc: '2.0',
            error: { code: -32600, data: { limit: 'maxDepth' } },
          });
        }
        for (const who of [session, bystander]) {
          const res = await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': who }, FINAL);
          expect(messages(res)).toEqual([{ jsonrpc: '2.0', id: 'final-ping', result: {} }]);
        }
      } finally {
        await server.close();
      }
    });

    it('WebSocket', async () => {
      const server = await listenHttp(definition(), { websocket: true });
      try {
        const ws = new WebSocket(server.wsUrl!, 'mcp');
        const received = queue();
        ws.on('message', (data) => received.push(data.toString()));
        ws.on('close', () => received.end());
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        await hostileStream((text) => ws.send(text), received.iterable);
        ws.close();
      } finally {
        await server.close();
      }
    });

    it('TCP, unhosted and hosted', async () => {
      const host = await new SessionHost(definition()).start();
      const servers = [await listenTcp(definition()), await listenTcpHosted(host)];
      try {
        for (const server of servers) {
          const socket = connect(server.address.port, '127.0.0.1');
          await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
          const received = queue();
          createInterface({ input: socket }).on('line', received.push).on('close', received.end);
          await hostileStream((text) => socket.write(`${text}\n`), received.iterable);
          socket.destroy();
        }
      } finally {
        for (const server of servers) await server.close();
        await host.stop();
      }
    });

    it('stdio', async () => {
      const { command, args, env } = tsFixture('stdio-server.ts');
      const child = spawn(command, args, {
        env: { ...env, MAX_LINE_BYTES: String(4 * 1024 * 1024) },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      const received = queue();
      createInterface({ input: child.stdout }).on('line', received.push).on('close', received.end);
      try {
        await hostileStream((text) => child.stdin.write(`${text}\n`), received.iterable);
      } finally {
        child.stdin.end();
        await new Promise((resolve) => child.once('exit', resolve));
      }
    });
  });
});
