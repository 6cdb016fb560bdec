import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { useFixtureHttpServer } from './helpers/fixture-http';

describe('the SDK 1.x Client over Streamable HTTP', () => {
  const fixtureServer = useFixtureHttpServer();

  async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const client = new Client(
      { name: 'sdk-http', version: '1.0.0' },
      { capabilities: { sampling: {}, elicitation: {} } },
    );
    const transport = new StreamableHTTPClientTransport(new URL(fixtureServer().url));
    await client.connect(transport);
    return { client, transport };
  }

  it('lists and calls tools, reads resources, gets prompts', async () => {
    const { client, transport } = await connect();
    expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(client.getServerVersion()).toEqual({ name: 'fixture-server', version: '1.2.3' });
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toContain('echo');
    expect(await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).toEqual({
      content: [{ type: 'text', text: 'hi' }],
    });
    expect(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).toMatchObject({
      structuredContent: { sum: 5 },
    });
    expect((await client.readResource({ uri: 'memo://readme' })).contents[0]).toMatchObject({ text: 'Read me first.' });
    expect((await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } })).messages).toHaveLength(1);
    await client.close();
  });

  it('gets progress, logs, sampling and elicitation on the stream of the tool call', async () => {
    const { client } = await connect();
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'pong' },
      model: 'm1',
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
    await client.setLoggingLevel('info');
    const progress: number[] = [];
    const result = await client.callTool({ name: 'progress', arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => void progress.push(p.progress),
    });
    expect(result).toEqual({ content: [{ type: 'text', text: 'done 3' }] });
    expect(progress).toEqual([1, 2, 3]);
    await client.callTool({ name: 'log', arguments: {} });
    expect(logs).toEqual([{ level: 'info' }, { level: 'warning' }, { level: 'error' }]);
    expect(await client.callTool({ name: 'ask-model', arguments: {} })).toEqual({
      content: [{ type: 'text', text: 'model m1 said {"type":"text","text":"pong"}' }],
    });
    expect(await client.callTool({ name: 'ask-user', arguments: {} })).toEqual({
      content: [{ type: 'text', text: 'accept:{"name":"Ada"}' }],
    });
    await client.close();
  });

  it('ends a session on DELETE; its id then gets 404', async () => {
    const { client, transport } = await connect();
    const id = transport.sessionId as string;
    expect(fixtureServer().host.lookup(id)).toBeDefined();
    await transport.terminateSession();
    await client.close();
    const res = await fetch(fixtureServer().url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': id,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(404);
    expect(fixtureServer().host.lookup(id)).toBeUndefined();
  });
});
