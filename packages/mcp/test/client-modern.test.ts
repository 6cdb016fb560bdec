import { Node } from '@erlmcp/otp';
import { JsonRpcError, SessionStateError } from '@erlmcp/mcp';
import { ClientSession, connectHttp, spawnStdioClient } from '../src/client';
// greeter() is typed from the built entry, as the README shows it: so is the listenHttp it goes to.
import { listenHttp } from '@erlmcp/mcp/hosting';
import type { JsonRpcPayload } from '@erlmcp/mcp';
import { jsFixture, REPO_ROOT } from './helpers/child';
import { fixtureDefinition } from './helpers/fixture';
import { useFixtureHttpServer } from './helpers/fixture-http';
import { greeter } from './readme/greet-tool';

// Our client in revision 2026-07-28 (issue #20, client side): server/discover first, the
// era in every request's `_meta`, questions inside results answered through the handlers,
// the initialize handshake when the server does not offer the revision.

const INFO = { name: 'modern-client', version: '1.0.0' };

/** What the test needs of a definition and its sessions (the fixture's and the README's greeter). */
interface Definition {
  createSession(options: { send: (message: JsonRpcPayload) => void }): {
    receive(message: JsonRpcPayload): void;
    close(): void;
    readonly state: string;
  };
}

/** A client and a server session wired back to back, each message a turn later. */
function backToBack(server: Definition, options: Partial<ConstructorParameters<typeof ClientSession>[0]>) {
  const sent: { method: string; meta: unknown }[] = [];
  const session = server.createSession({ send: (message) => void setImmediate(() => client.receive(message)) });
  const client: ClientSession = new ClientSession({
    clientInfo: INFO,
    ...options,
    send: (message) => {
      if (!Array.isArray(message) && 'method' in message)
        sent.push({ method: message.method, meta: (message.params as { _meta?: unknown } | undefined)?._meta });
      setImmediate(() => session.receive(message));
    },
  });
  return { client, session, sent };
}

describe('ClientSession in 2026-07-28', () => {
  test("'auto' against our server: server/discover, then stateless requests carrying the era; no initialize", async () => {
    const { client, session, sent } = backToBack(fixtureDefinition(), { versionNegotiation: 'auto' });
    const connected = await client.connect();
    expect(connected).toMatchObject({
      protocolVersion: '2026-07-28',
      instructions: 'Use the tools.',
      serverInfo: { name: 'fixture-server', version: '1.2.3' },
    });
    expect(client.protocolVersion).toBe('2026-07-28');
    expect(client.serverCapabilities?.tools).toBeDefined();
    expect(await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })).toMatchObject({
      structuredContent: { sum: 42 },
    });
    expect(sent.map((m) => m.method)).toEqual(['server/discover', 'tools/call']);
    for (const { meta } of sent) {
      expect(meta).toEqual({
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': INFO,
      });
    }
    // The server kept nothing: its session never initialized.
    expect(session.state).toBe('awaiting-initialize');
    client.close();
    session.close();
  });

  test('the log level goes in each later request, and the server logs to it only then; ping and subscriptions are 2025 requests', async () => {
    const { client, session, sent } = backToBack(fixtureDefinition(), { versionNegotiation: { pin: '2026-07-28' } });
    await client.connect();
    const levels: string[] = [];
    client.on('notifications/message', (log) => void levels.push(log.level));
    await client.callTool({ name: 'log', arguments: {} });
    expect(levels).toEqual([]);
    await client.setLoggingLevel('warning');
    await client.callTool({ name: 'log', arguments: {} });
    expect(levels).toEqual(['warning', 'error']);
    expect((sent.at(-1)?.meta as Record<string, unknown>)['io.modelcontextprotocol/logLevel']).toBe('warning');
    // setLoggingLevel sent nothing of its own.
    expect(sent.map((m) => m.method)).toEqual(['server/discover', 'tools/call', 'tools/call']);
    await expect(client.ping()).rejects.toBeInstanceOf(SessionStateError);
    await expect(client.subscribeResource('memo://readme')).rejects.toBeInstanceOf(SessionStateError);
    client.close();
    session.close();
  });

  test('a tool that asks for input: the elicit handler answers, the request goes again with the answers and the signed state', async () => {
    const asked: unknown[] = [];
    const { client, session, sent } = backToBack(greeter(), {
      versionNegotiation: 'auto',
      handlers: {
        elicit: (params, ctx) => {
          asked.push({ message: params.message, key: ctx.requestId });
          return { action: 'accept', content: { name: 'Ada' } };
        },
      },
    });
    await client.connect();
    const result = await client.callTool({ name: 'greet', arguments: { greeting: 'Hello' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Hello, Ada (state {"asked":"Hello"})' }]);
    expect(asked).toEqual([{ message: 'Your name?', key: 'who' }]);
    expect(sent.map((m) => m.method)).toEqual(['server/discover', 'tools/call', 'tools/call']);
    client.close();
    session.close();
  });

  test('a question the client has no handler for fails the call (the server checks capabilities first: -32021)', async () => {
    const { client, session } = backToBack(greeter(), { versionNegotiation: 'auto' });
    await client.connect();
    await expect(client.callTool({ name: 'greet', arguments: { greeting: 'Hi' } })).rejects.toMatchObject({
      code: -32021,
    });
    client.close();
    session.close();
  });
});

describe('ClientSession 2026-07-28 multi round-trip against a scripted server', () => {
  test('every question of a round answered at once; a state-only round (load shedding) is retried with the state alone', async () => {
    const sent: { id: number; method: string; params: Record<string, unknown> }[] = [];
    const client = new ClientSession({
      clientInfo: INFO,
      versionNegotiation: { pin: '2026-07-28' },
      handlers: {
        elicit: () => ({ action: 'accept', content: { ok: true } }),
        createMessage: (params) => ({
          role: 'assistant',
          content: { type: 'text', text: `re: ${JSON.stringify(params.messages[0].content)}` },
          model: 'm',
        }),
        listRoots: () => [{ uri: 'file:///r' }],
      },
      send: (message) => {
        if (!Array.isArray(message) && 'method' in message) sent.push(message as never);
      },
    });
    const answer = (result: Record<string, unknown>): void =>
      client.receive({ jsonrpc: '2.0', id: sent.at(-1)!.id, result: { resultType: 'complete', ...result } as never });
    const waitSent = async (count: number): Promise<void> => {
      for (let i = 0; i < 500 && sent.length < count; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const connecting = client.connect();
    await waitSent(1);
    answer({ supportedVersions: ['2026-07-28'], capabilities: { prompts: {} } });
    await connecting;
    const got = client.getPrompt({ name: 'p' });
    await waitSent(2);
    answer({
      resultType: 'input_required',
      inputRequests: {
        a: {
          method: 'elicitation/create',
          params: { message: 'ok?', requestedSchema: { type: 'object', properties: {} } },
        },
        b: {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 },
        },
        c: { method: 'roots/list' },
      },
      requestState: 'round-1',
    });
    await waitSent(3);
    expect(sent[2].params).toMatchObject({
      name: 'p',
      requestState: 'round-1',
      inputResponses: {
        a: { action: 'accept', content: { ok: true } },
        b: { role: 'assistant', content: { type: 'text', text: 're: {"type":"text","text":"hi"}' } },
        c: { roots: [{ uri: 'file:///r' }] },
      },
    });
    // Busy: no questions, only state to come back with.
    answer({ resultType: 'input_required', requestState: 'round-2' });
    await waitSent(4);
    expect(sent[3].params.requestState).toBe('round-2');
    expect(sent[3].params).not.toHaveProperty('inputResponses');
    answer({ messages: [] });
    expect(await got).toMatchObject({ messages: [] });
    expect(sent.map((m) => m.method)).toEqual(['server/discover', 'prompts/get', 'prompts/get', 'prompts/get']);
    client.close();
  });
});

describe('ClientSession 2026-07-28: server/discover answered -32022 (basic/versioning.mdx)', () => {
  /** A server answering server/discover with -32022 listing `supported`, `rejections` times, then a discover result. */
  function scripted(supported: string[], rejections: number, negotiation: 'auto' | { pin: '2026-07-28' }) {
    const seen: { method: string; version: unknown }[] = [];
    let left = rejections;
    const client: ClientSession = new ClientSession({
      clientInfo: INFO,
      versionNegotiation: negotiation,
      requestTimeoutMs: 5000,
      send: (message) => {
        const m = message as { id: number; method: string; params?: { _meta?: Record<string, unknown> } };
        seen.push({ method: m.method, version: m.params?._meta?.['io.modelcontextprotocol/protocolVersion'] });
        const answer =
          m.method === 'server/discover' && left-- > 0
            ? {
                jsonrpc: '2.0' as const,
                id: m.id,
                error: {
                  code: -32022,
                  message: 'Unsupported protocol version',
                  data: { supported, requested: '2026-07-28' },
                },
              }
            : m.method === 'server/discover'
              ? { jsonrpc: '2.0' as const, id: m.id, result: { supportedVersions: supported, capabilities: {} } }
              : {
                  jsonrpc: '2.0' as const,
                  id: m.id,
                  result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: INFO },
                };
        setImmediate(() => client.receive(answer));
      },
    });
    return { client, seen };
  }

  test('a list holding 2026-07-28 is asked again with it, once', async () => {
    const { client, seen } = scripted(['2026-07-28'], 1, { pin: '2026-07-28' });
    await expect(client.connect()).resolves.toMatchObject({ protocolVersion: '2026-07-28' });
    expect(seen.map((s) => s.method)).toEqual(['server/discover', 'server/discover']);
  });

  test('a server that keeps refusing is asked twice, then the pin rejects with its error', async () => {
    const { client, seen } = scripted(['2026-07-28'], 5, { pin: '2026-07-28' });
    await expect(client.connect()).rejects.toMatchObject({ code: -32022 });
    expect(seen).toHaveLength(2);
  });

  test("a list of 2025 revisions only: 'auto' runs initialize", async () => {
    const { client, seen } = scripted(['2025-11-25'], 1, 'auto');
    await expect(client.connect()).resolves.toMatchObject({ protocolVersion: '2025-11-25' });
    expect(seen.map((s) => s.method)).toEqual(['server/discover', 'initialize', 'notifications/initialized']);
  });
});

describe('ClientSession 2026-07-28 against a server without it (the official SDK 1.x McpServer over stdio)', () => {
  test("'auto' falls back to the initialize handshake", async () => {
    const { client, close } = await spawnStdioClient({
      ...jsFixture('sdk-stdio-server.cjs'),
      cwd: REPO_ROOT,
      clientInfo: INFO,
      versionNegotiation: 'auto',
    });
    try {
      expect(client.protocolVersion).toBe('2025-11-25');
      expect(client.serverInfo).toEqual({ name: 'sdk-stdio', version: '1.0.0' });
      expect(await client.callTool({ name: 'shout', arguments: { text: 'hi' } })).toMatchObject({
        content: [{ type: 'text', text: 'HI' }],
      });
    } finally {
      await close();
    }
  });

  test("a pin rejects connect() with the server's error", async () => {
    await expect(
      spawnStdioClient({
        ...jsFixture('sdk-stdio-server.cjs'),
        cwd: REPO_ROOT,
        clientInfo: INFO,
        versionNegotiation: { pin: '2026-07-28' },
      }),
    ).rejects.toBeInstanceOf(JsonRpcError);
  });
});

describe('connectHttp in 2026-07-28 against our server', () => {
  const fixtureServer = useFixtureHttpServer();

  test('no session: each POST carries MCP-Protocol-Version, Mcp-Method and Mcp-Name, which the server checks against the body', async () => {
    const { client, sessionId, close } = await connectHttp({
      url: fixtureServer().url,
      clientInfo: INFO,
      versionNegotiation: 'auto',
    });
    expect(client.protocolVersion).toBe('2026-07-28');
    expect(sessionId).toBeUndefined();
    expect(await client.callTool({ name: 'echo', arguments: { text: 'stateless' } })).toMatchObject({
      content: [{ type: 'text', text: 'stateless' }],
    });
    expect((await client.readResource({ uri: 'memo://readme' })).contents).toEqual([
      { uri: 'memo://readme', mimeType: 'text/plain', text: 'Read me first.' },
    ]);
    const progress: number[] = [];
    await client.callTool(
      { name: 'progress', arguments: { steps: 2 } },
      { onProgress: (p) => void progress.push(p.progress) },
    );
    expect(progress).toEqual([1, 2]);
    expect(fixtureServer().host.registry.size).toBe(0);
    await close();
  });
});

describe('connectHttp in 2026-07-28, multi round-trip', () => {
  test('a tool that asks for input, over HTTP: the retry carries the answers, its headers name the tool again', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const server = await listenHttp(greeter());
    try {
      const { client, close } = await connectHttp({
        url: server.url,
        clientInfo: INFO,
        versionNegotiation: 'auto',
        handlers: { elicit: () => ({ action: 'accept', content: { name: 'Grace' } }) },
      });
      expect(await client.callTool({ name: 'greet', arguments: { greeting: 'Hej' } })).toMatchObject({
        content: [{ type: 'text', text: 'Hej, Grace (state {"asked":"Hej"})' }],
      });
      await close();
    } finally {
      await server.close();
      await node.stop();
    }
  });
});
