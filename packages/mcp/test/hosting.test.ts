import { DynamicSupervisor, Node, exit, processInfo, self, supervisionTree } from '@erlmcp/otp';
import { connectTcp, connectWebSocket } from '../src/client';
import { defineServer, listenTcpHosted, type McpServerDefinition } from '../src/server';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

function definition(): McpServerDefinition {
  return defineServer({ name: 'hosting', version: '1.0.0' })
    .tool<{ text: string }>({
      name: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: ({ text }, ctx) => ({ content: [{ type: 'text', text: `${ctx.session.id}:${text}` }] }),
    })
    .tool({
      name: 'whoami',
      // Answered at once, so its POST is handled inline from the socket listener: still as the session's process.
      handler: () => ({ content: [{ type: 'text', text: String(self()) }] }),
    })
    .tool({
      name: 'boom',
      handler: () => {
        throw new Error('handler exploded');
      },
    })
    .build();
}

async function sdkClient(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'hosting-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

function text(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0] as { text: string }).text;
}

describe('sessions hosted as processes under a DynamicSupervisor', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  it('runs each session as a GenServer registered by its id, under the session supervisor', async () => {
    server = await listenHttp(definition());
    const a = await sdkClient(server.url);
    const b = await sdkClient(server.url);
    const idA = a.transport.sessionId as string;
    const idB = b.transport.sessionId as string;
    expect(idA).not.toBe(idB);
    const pidA = server.host.lookup(idA);
    expect(pidA).toBeDefined();
    expect(processInfo(pidA!)?.behaviour).toBe('gen_server:mcp_session');
    const counts = await DynamicSupervisor.countChildren(server.host.supervisorName);
    expect(counts.active).toBe(2);
    const tree = await supervisionTree(server.host.supervisorName);
    expect(tree?.children).toHaveLength(2);
    expect(await server.host.summary(idA)).toMatchObject({ id: idA, state: 'ready', clientName: 'hosting-test' });
    await a.client.close();
    await b.client.close();
  });

  it('a tool answered at once runs as its own session process', async () => {
    server = await listenHttp(definition());
    const a = await sdkClient(server.url);
    const b = await sdkClient(server.url);
    const pidA = String(server.host.lookup(a.transport.sessionId as string));
    const pidB = String(server.host.lookup(b.transport.sessionId as string));
    expect(pidA).not.toBe(pidB);
    for (let i = 0; i < 3; i++) {
      expect(text(await a.client.callTool({ name: 'whoami', arguments: {} }))).toBe(pidA);
      expect(text(await b.client.callTool({ name: 'whoami', arguments: {} }))).toBe(pidB);
    }
    await a.client.close();
    await b.client.close();
  });

  it('a throwing tool handler and a killed session affect only their own session', async () => {
    server = await listenHttp(definition());
    const a = await sdkClient(server.url);
    const b = await sdkClient(server.url);
    const idA = a.transport.sessionId as string;
    const idB = b.transport.sessionId as string;
    expect(await a.client.callTool({ name: 'boom', arguments: {} })).toEqual({
      content: [{ type: 'text', text: 'handler exploded' }],
      isError: true,
    });
    expect(text(await a.client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe(
      `${idA}:still here`,
    );

    // Crash session A's process outright: B goes on, A's id is gone (404), and nothing restarts it.
    exit(server.host.lookup(idA)!, 'kill');
    for (let i = 0; i < 1000 && server.host.lookup(idA) !== undefined; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.host.lookup(idA)).toBeUndefined();
    expect(text(await b.client.callTool({ name: 'echo', arguments: { text: 'fine' } }))).toBe(`${idB}:fine`);
    await expect(a.client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toThrow(
      /404|Session not found/,
    );
    expect((await DynamicSupervisor.countChildren(server.host.supervisorName)).active).toBe(1);
    await b.client.close();
    await a.client.close();
  });

  it('expires idle sessions: their ids then get 404', async () => {
    server = await listenHttp(definition(), { hostOptions: { idleTimeoutMs: 50 } });
    const a = await sdkClient(server.url);
    const id = a.transport.sessionId as string;
    // The SDK client keeps a GET stream open: while it is open the session is not idle.
    await a.transport.close();
    for (let i = 0; i < 1000 && server.host.lookup(id) !== undefined; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.host.lookup(id)).toBeUndefined();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': id,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
  });

  it('keeps every session to its own data, however many run at once', async () => {
    server = await listenHttp(definition(), { websocket: true });
    const clients = await Promise.all(Array.from({ length: 20 }, () => sdkClient(server.url)));
    const results = await Promise.all(
      clients.flatMap(({ client, transport }, i) =>
        Array.from({ length: 5 }, async (_, j) => ({
          expected: `${transport.sessionId}:${i}-${j}`,
          got: text(await client.callTool({ name: 'echo', arguments: { text: `${i}-${j}` } })),
        })),
      ),
    );
    for (const { expected, got } of results) expect(got).toBe(expected);
    await Promise.all(clients.map(({ client }) => client.close()));
  });

  it('our ClientSession over WebSocket, hosted the same way', async () => {
    server = await listenHttp(definition(), { websocket: true });
    const ws = await connectWebSocket({ url: server.wsUrl!, clientInfo: { name: 'ws', version: '1' } });
    const other = await connectWebSocket({ url: server.wsUrl!, clientInfo: { name: 'ws2', version: '1' } });
    expect(server.host.sessionCount).toBe(2);
    const result = await ws.client.callTool({ name: 'echo', arguments: { text: 'over ws' } });
    expect(text(result)).toMatch(/^[A-Za-z0-9_-]{22}:over ws$/);
    expect(text(await ws.client.callTool({ name: 'boom', arguments: {} }))).toBe('handler exploded');
    await ws.close();
    expect(text(await other.client.callTool({ name: 'echo', arguments: { text: 'b' } }))).toMatch(/:b$/);
    await other.close();
    for (let i = 0; i < 2000 && server.host.sessionCount > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.host.sessionCount).toBe(0);
  });

  it('TCP connections hosted the same way (listenTcpHosted): one process each, isolated', async () => {
    server = await listenHttp(definition());
    const tcp = await listenTcpHosted(server.host);
    try {
      const a = await connectTcp({ port: tcp.address.port, clientInfo: { name: 'tcp-a', version: '1' } });
      const b = await connectTcp({ port: tcp.address.port, clientInfo: { name: 'tcp-b', version: '1' } });
      expect(server.host.sessionCount).toBe(2);
      const ids = [...server.host.registry.ids()];
      const textA = text(await a.client.callTool({ name: 'echo', arguments: { text: 'a' } }));
      expect(ids.map((id) => `${id}:a`)).toContain(textA);
      // Kill A's process: its connection is closed, B carries on.
      const idA = textA.slice(0, -2);
      const closed = new Promise((resolve) => a.socket.once('close', resolve));
      exit(server.host.lookup(idA)!, 'kill');
      await closed;
      expect(text(await b.client.callTool({ name: 'echo', arguments: { text: 'b' } }))).toMatch(/:b$/);
      b.close();
    } finally {
      await tcp.close();
    }
  });
});
