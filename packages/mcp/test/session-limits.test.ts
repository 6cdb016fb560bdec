import { HandlerTimeoutError, InFlightLimitError, LimitErrorCode } from '@erlmcp/mcp';
import { GenServer, Node, ok, exit, whereis } from '@erlmcp/otp';
import { ClientSessionLimitError, defineServer, type McpServerDefinition } from '../src/server';
import { listenHttp, type McpHttpServer, SessionHost } from '../src/hosting';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';
import { readyServer } from './helpers/wire';

type Json = Record<string, any>;

/** A tool that waits until released (or aborted), and one that answers at once. */
function gated(): { definition: McpServerDefinition; release: () => void; aborted: string[] } {
  let open: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const aborted: string[] = [];
  const definition = defineServer({ name: 'limits', version: '1' })
    .tool<{ tag: string }>({
      name: 'wait',
      inputSchema: { type: 'object', properties: { tag: { type: 'string' } }, required: ['tag'] },
      handler: async ({ tag }, ctx) => {
        ctx.signal.addEventListener('abort', () => aborted.push(tag));
        await gate;
        return { content: [{ type: 'text', text: tag }] };
      },
    })
    .tool({ name: 'now', handler: () => ({ content: [{ type: 'text', text: 'now' }] }) })
    .build();
  return {
    definition,
    release: () => {
      open();
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    aborted,
  };
}

describe('maxInFlightRequests', () => {
  test('a request past the limit is answered with InFlightLimitError and not run; the others are answered', async () => {
    const { definition, release } = gated();
    const { request } = await readyServer(definition, { maxInFlightRequests: 2 });
    const first = request('tools/call', { name: 'wait', arguments: { tag: 'a' } });
    const second = request('tools/call', { name: 'wait', arguments: { tag: 'b' } });
    const refused = (await request('tools/call', { name: 'now', arguments: {} })) as Json;
    expect(refused.error).toEqual({
      code: LimitErrorCode.TooManyRequestsInFlight,
      message: new InFlightLimitError(2).message,
      data: { limit: 2 },
    });
    release();
    expect(((await first) as Json).result.content).toEqual([{ type: 'text', text: 'a' }]);
    expect(((await second) as Json).result.content).toEqual([{ type: 'text', text: 'b' }]);
    // Room again: the next one runs.
    expect(((await request('tools/call', { name: 'now', arguments: {} })) as Json).result.content[0].text).toBe('now');
  });

  test('limits that make no sense are a RangeError when the session is made', () => {
    const { definition } = gated();
    for (const bad of [0, -1, 1.5, NaN])
      expect(() => definition.createSession({ send: () => undefined, maxInFlightRequests: bad })).toThrow(RangeError);
    for (const bad of [-1, NaN])
      expect(() => definition.createSession({ send: () => undefined, handlerTimeoutMs: bad })).toThrow(RangeError);
    expect(() => definition.createSession({ send: () => undefined, maxInFlightRequests: Infinity })).not.toThrow();
  });
});

describe('handlerTimeoutMs', () => {
  test('a stalled handler is answered with HandlerTimeoutError, its signal aborted; its late result is dropped', async () => {
    const { definition, release, aborted } = gated();
    const { request, out, session } = await readyServer(definition, { handlerTimeoutMs: 50, maxInFlightRequests: 1 });
    const answer = (await request('tools/call', { name: 'wait', arguments: { tag: 'stalled' } })) as Json;
    expect(answer.error).toEqual({
      code: LimitErrorCode.RequestTimedOut,
      message: new HandlerTimeoutError(50).message,
      data: { timeoutMs: 50 },
    });
    expect(aborted).toEqual(['stalled']);
    // It no longer counts against the in-flight limit, and the session goes on.
    expect(session.inFlightCount).toBe(0);
    expect(((await request('ping')) as Json).result).toEqual({});
    const before = out.messages.length;
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.messages.length).toBe(before);
  });
});

describe('maxSessionsPerClient (Streamable HTTP)', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  test('one address past its limit gets 429 with a JSON-RPC error; a session that ends gives its slot back', async () => {
    const errors: Error[] = [];
    const server = await listenHttp(gated().definition, { maxSessionsPerClient: 2, onError: (e) => errors.push(e) });
    try {
      const a = await initialize(server.url);
      await initialize(server.url);
      const refused = await raw(
        server.url,
        'POST',
        JSON_HEADERS,
        JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
        }),
      );
      expect(refused.status).toBe(429);
      expect(messages(refused)).toEqual([
        { jsonrpc: '2.0', error: { code: -32000, message: expect.stringContaining('Too Many Requests') } },
      ]);
      expect(errors).toEqual([expect.any(ClientSessionLimitError)]);
      expect((errors[0] as ClientSessionLimitError).limit).toBe(2);
      // The sessions it holds still work.
      const ping = await raw(
        server.url,
        'POST',
        { ...JSON_HEADERS, 'mcp-session-id': a },
        '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      );
      expect(messages(ping)).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
      const ended = new Promise<void>((resolve) => server.host.onSessionEnd(() => resolve()));
      expect((await raw(server.url, 'DELETE', { 'mcp-session-id': a })).status).toBe(200);
      await ended;
      await initialize(server.url);
    } finally {
      await server.close();
    }
  });

  test('a limit that makes no sense is a RangeError', async () => {
    await expect(listenHttp(gated().definition, { maxSessionsPerClient: 0 })).rejects.toThrow(RangeError);
  });
});

describe('a listener process that owns its port', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  const listener = GenServer.define({
    name: 'owning_listener',
    init: async (args: { host: SessionHost; port: number; owned: boolean; held?: McpHttpServer[] }, ctx) => {
      const server = await listenHttp(args.host, { port: args.port, ...(args.owned ? { owner: ctx.self } : {}) });
      args.held?.push(server);
      return ok(server);
    },
    handleCall: (_r: 'port', _f, server: McpHttpServer) => ({
      kind: 'reply' as const,
      reply: server.address.port,
      state: server,
    }),
  });

  test('killed outright (no terminate runs), its port closes: a new listener takes the same port', async () => {
    const host = await new SessionHost(gated().definition).start();
    const first = await GenServer.start(listener, { host, port: 0, owned: true }, { name: 'l1' });
    const port = (await GenServer.call(first, 'port')) as number;
    const session = await initialize(`http://127.0.0.1:${port}/mcp`);
    exit(first, 'kill');
    // Until the port is released, a start fails (EADDRINUSE); it must be released, not leak.
    let second: Awaited<ReturnType<typeof GenServer.start>> | undefined;
    for (let i = 0; i < 200 && second === undefined; i++) {
      second = await GenServer.start(listener, { host, port, owned: true }).catch(() => undefined);
      if (second === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(second).toBeDefined();
    expect(whereis('l1')).toBeUndefined();
    // The session lives in the host, not the listener: it is still served on the new one.
    const ping = await raw(
      `http://127.0.0.1:${port}/mcp`,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    );
    expect(messages(ping)).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
    await host.stop();
  });

  test('without an owner, a killed listener leaves its server open (what the owner option is for)', async () => {
    const host = await new SessionHost(gated().definition).start();
    const held: McpHttpServer[] = [];
    const first = await GenServer.start(listener, { host, port: 0, owned: false, held });
    const port = (await GenServer.call(first, 'port')) as number;
    exit(first, 'kill');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(GenServer.start(listener, { host, port, owned: true })).rejects.toThrow();
    await held[0]!.close();
    await host.stop();
  });
});
