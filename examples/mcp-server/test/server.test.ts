import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Node } from '@erlmcp/otp';
import { connectWebSocket } from '@erlmcp/mcp/client';
import { startMcpServer, type McpServerApp } from '../src/app';

const DIST = path.join(__dirname, '..', 'dist');

describe('the example MCP server, in process', () => {
  let node: Node;
  let server: McpServerApp;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await startMcpServer({ port: 0 });
  });

  afterEach(async () => {
    await server.stop();
    await node.stop();
  });

  it('serves its tools, resources and prompt to the official SDK client over Streamable HTTP', async () => {
    const client = new Client({ name: 'example-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.urls!.url)));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      'echo',
      'calculate',
      'runtime_info',
      'count',
      'cart',
    ]);
    expect(await client.callTool({ name: 'echo', arguments: { text: 'hello' } })).toEqual({
      content: [{ type: 'text', text: 'hello' }],
    });
    expect(await client.callTool({ name: 'calculate', arguments: { op: 'multiply', a: 6, b: 7 } })).toMatchObject({
      structuredContent: { result: 42 },
    });
    // Arguments are validated against the schema: the call is refused as a tool error.
    expect(await client.callTool({ name: 'calculate', arguments: { op: 'modulo', a: 1, b: 2 } })).toMatchObject({
      isError: true,
    });
    expect(await client.callTool({ name: 'calculate', arguments: { op: 'divide', a: 1, b: 0 } })).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'cannot divide 1 by zero' }],
    });
    const info = (await client.callTool({ name: 'runtime_info', arguments: {} })) as unknown as {
      structuredContent: { processes: number; tree: { children: { id: string }[] } };
    };
    expect(info.structuredContent.processes).toBeGreaterThan(4);
    expect(info.structuredContent.tree.children.map((c) => c.id)).toEqual(['tools', 'outbound', 'sessions', 'http']);
    const about = await client.readResource({ uri: 'erlmcp://about' });
    expect(about.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
    const tree = JSON.parse(
      ((await client.readResource({ uri: 'erlmcp://runtime/tree' })).contents[0] as { text: string }).text,
    ) as { behaviour: string };
    expect(tree.behaviour).toBe('gen_server:supervisor');
    const prompt = await client.getPrompt({ name: 'explain_tree', arguments: { audience: 'an Erlang developer' } });
    expect((prompt.messages[0].content as { text: string }).text).toMatch(
      /^Explain this .* to an Erlang developer:\nmcp-server/,
    );
    await client.close();
  });

  it('keeps a cart behind a handle: its own client reaches it on each call, another client gets -32602', async () => {
    const connect = async () => {
      const client = new Client({ name: 'example-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.urls!.url)));
      return client;
    };
    const owner = await connect();
    const made = (await owner.callTool({ name: 'cart', arguments: { add: 'tea' } })) as unknown as {
      structuredContent: { cart: string; items: string[] };
    };
    const cart = made.structuredContent.cart;
    expect(cart).toMatch(/^mcph_[A-Za-z0-9_-]{22}$/);
    expect(await owner.callTool({ name: 'cart', arguments: { cart, add: 'milk' } })).toMatchObject({
      structuredContent: { cart, items: ['tea', 'milk'] },
    });
    // Another session is another principal: the handle does not exist for it.
    const other = await connect();
    await expect(other.callTool({ name: 'cart', arguments: { cart, add: 'x' } })).rejects.toMatchObject({
      code: -32602,
    });
    expect(await owner.callTool({ name: 'cart', arguments: { cart } })).toMatchObject({
      structuredContent: { items: ['tea', 'milk'] },
    });
    await other.close();
    await owner.close();
  });

  it('answers what its schemas cannot carry with errors: a non-finite result is a tool error, an unknown process -32002', async () => {
    const client = new Client({ name: 'example-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.urls!.url)));
    // JSON has no Infinity or NaN: sent as structuredContent they would arrive as null, against the outputSchema.
    expect(await client.callTool({ name: 'calculate', arguments: { op: 'power', a: 10, b: 400 } })).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'power of 10 and 400 is not a finite number' }],
    });
    expect(await client.callTool({ name: 'calculate', arguments: { op: 'power', a: -8, b: 1 / 3 } })).toMatchObject({
      isError: true,
    });
    await expect(client.readResource({ uri: 'erlmcp://process/<0.999999.0>' })).rejects.toMatchObject({ code: -32002 });
    await client.close();
  });

  it('shows a client its own session process only: another session is not found, and no listing names one', async () => {
    const connectClient = async (): Promise<{ client: Client; pid: string }> => {
      const client = new Client({ name: 'example-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(server.urls!.url));
      await client.connect(transport);
      const pid = server.host.lookup(transport.sessionId!);
      return { client, pid: String(pid) };
    };
    const a = await connectClient();
    const b = await connectClient();
    const read = async (client: Client, uri: string): Promise<string> =>
      ((await client.readResource({ uri })).contents[0] as { text: string }).text;

    // Its own process: yes, with its counts.
    const own = JSON.parse(await read(a.client, `erlmcp://process/${a.pid}`)) as {
      pid: string;
      messagesHandled: number;
    };
    expect(own.pid).toBe(a.pid);
    expect(own.messagesHandled).toBeGreaterThan(0);
    // Another client's: as if it did not exist.
    await expect(read(a.client, `erlmcp://process/${b.pid}`)).rejects.toMatchObject({ code: -32002 });
    await expect(read(b.client, `erlmcp://process/${a.pid}`)).rejects.toMatchObject({ code: -32002 });

    // The tree, runtime_info and the session supervisor's links count sessions, and name none.
    const tree = await read(a.client, 'erlmcp://runtime/tree');
    const sessions = (JSON.parse(tree) as { children: { id: string; pid: string; children: unknown }[] }).children.find(
      (child) => child.id === 'sessions',
    )!;
    expect(sessions.children).toEqual({ count: 2 });
    const info = JSON.stringify(await a.client.callTool({ name: 'runtime_info', arguments: {} }));
    const supervisor = await read(a.client, `erlmcp://process/${sessions.pid}`);
    for (const text of [tree, info, supervisor]) {
      expect(text).not.toContain(a.pid);
      expect(text).not.toContain(b.pid);
    }
    expect(JSON.parse(supervisor)).toMatchObject({ behaviour: 'gen_server:dynamic_supervisor', sessionLinks: 2 });
    await a.client.close();
    await b.client.close();
  });

  it('serves WebSocket beside HTTP, each connection a session process', async () => {
    const ws = await connectWebSocket({ url: server.urls!.wsUrl!, clientInfo: { name: 'ws', version: '1' } });
    expect(server.host.sessionCount).toBe(1);
    expect(await ws.client.callTool({ name: 'calculate', arguments: { op: 'power', a: 2, b: 10 } })).toMatchObject({
      structuredContent: { result: 1024 },
    });
    await ws.close();
  });
});

describe('the example MCP server, as npm start runs it', () => {
  it('prints how to connect, serves the SDK client, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(DIST, 'main.js')], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      void exited.then((code) => reject(new Error(`exited early (${String(code)}): ${lines.join('\n')}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        const match = /Streamable HTTP: (\S+)/.exec(line);
        if (match) resolve(match[1]);
      });
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = new Client({ name: 'npm-start', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect(await client.callTool({ name: 'echo', arguments: { text: 'up' } })).toEqual({
      content: [{ type: 'text', text: 'up' }],
    });
    await client.close();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.join('\n')).toMatch(/WebSocket: +ws:\/\/127\.0\.0\.1:\d+\/ws/);
    expect(lines.join('\n')).toMatch(/stdio: +node \S*stdio\.js/);
    expect(lines.join('\n')).toMatch(/SIGTERM: every session closed/);
  });

  it('serves the same tools over stdio to the SDK StdioClientTransport', async () => {
    const client = new Client({ name: 'stdio', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(DIST, 'stdio.js')],
      stderr: 'ignore',
    });
    await client.connect(transport);
    expect(await client.callTool({ name: 'calculate', arguments: { op: 'add', a: 40, b: 2 } })).toMatchObject({
      structuredContent: { result: 42 },
    });
    await client.close();
  });
});
