/**
 * Our ClientSession against the official TypeScript SDK's McpServer, joined by the SDK's
 * InMemoryTransport: one side of the pair is the SDK server's, our session sits on the other.
 */
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { z } from 'zod/v4';
import {
  JsonRpcError,
  type JsonRpcPayload,
  type LoggingMessageParams,
  type ProgressParams,
  RequestCancelledError,
} from '@erlmcp/mcp';
import { ClientSession, type ClientSessionOptions } from '../src/client';
import { deferred } from './helpers/fixture';

interface Harness {
  sdk: McpServer;
  client: ClientSession;
  slowAborted: Promise<unknown>;
  slowStarted: Promise<void>;
}

async function connectToSdk(options: Partial<ClientSessionOptions> = {}): Promise<Harness> {
  const sdk = new McpServer(
    { name: 'sdk-server', version: '9.9.9' },
    { capabilities: { logging: {} }, instructions: 'SDK here' },
  );
  const slowStarted = deferred();
  const slowAborted = deferred<unknown>();
  sdk.registerTool(
    'add',
    { description: 'Adds', inputSchema: { a: z.number(), b: z.number() }, outputSchema: { sum: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
  );
  sdk.registerTool('fail', { description: 'Throws' }, async () => {
    throw new Error('sdk tool broke');
  });
  sdk.registerTool('count', { inputSchema: { to: z.number().int() } }, async ({ to }, extra) => {
    const token = extra._meta?.progressToken;
    for (let i = 1; i <= to; i++) {
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: i, total: to },
        });
      }
    }
    return { content: [{ type: 'text', text: `counted to ${to}` }] };
  });
  sdk.registerTool('slow', {}, async (extra) => {
    extra.signal.addEventListener('abort', () => slowAborted.resolve(extra.signal.reason), { once: true });
    slowStarted.resolve();
    await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
    return { content: [{ type: 'text', text: 'too late' }] };
  });
  sdk.registerTool('ask', {}, async () => {
    const sampled = await sdk.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: 'ping?' } }],
      maxTokens: 5,
    });
    const elicited = await sdk.server.elicitInput({
      message: 'Name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    });
    const { roots } = await sdk.server.listRoots();
    return {
      content: [
        {
          type: 'text',
          text: `${sampled.model}|${elicited.action}:${JSON.stringify(elicited.content)}|${roots.map((r) => r.uri).join(',')}`,
        },
      ],
    };
  });
  sdk.registerResource('readme', 'memo://readme', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'SDK readme' }],
  }));
  sdk.registerResource(
    'user',
    new ResourceTemplate('users://{id}', {
      list: undefined,
      complete: { id: (value) => ['ada', 'alan'].filter((id) => id.startsWith(value)) },
    }),
    { mimeType: 'application/json' },
    async (uri, variables) => ({ contents: [{ uri: uri.href, text: JSON.stringify(variables) }] }),
  );
  sdk.registerPrompt(
    'greet',
    {
      description: 'Greets',
      argsSchema: { name: completable(z.string(), (value) => ['Ada', 'Alan'].filter((n) => n.startsWith(value))) },
    },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello ${name}` } }] }),
  );

  const [ours, theirs] = InMemoryTransport.createLinkedPair();
  await sdk.connect(theirs);
  const client = new ClientSession({
    clientInfo: { name: 'erlmcp-client', version: '0.1.0' },
    ...options,
    send: (payload) => ours.send(payload as Parameters<typeof ours.send>[0]),
  });
  ours.onmessage = (message) => client.receive(message as JsonRpcPayload);
  ours.onclose = () => client.close();
  await ours.start();
  return { sdk, client, slowAborted: slowAborted.promise, slowStarted: slowStarted.promise };
}

describe('ClientSession ↔ SDK McpServer', () => {
  test('handshake', async () => {
    const { client, sdk } = await connectToSdk();
    const result = await client.connect();
    expect(result.protocolVersion).toBe('2025-11-25');
    expect(client.serverInfo).toEqual({ name: 'sdk-server', version: '9.9.9' });
    expect(client.instructions).toBe('SDK here');
    expect(client.serverCapabilities).toMatchObject({
      tools: {},
      resources: {},
      prompts: {},
      logging: {},
      completions: {},
    });
    await client.ping();
    await sdk.close();
    expect(client.state).toBe('closed');
  });

  test('tools: list, call with structured output, tool errors', async () => {
    const { client, sdk } = await connectToSdk();
    await client.connect();
    const tools = await client.listAllTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['add', 'ask', 'count', 'fail', 'slow']);
    expect(tools.find((tool) => tool.name === 'add')?.inputSchema).toMatchObject({
      type: 'object',
      required: ['a', 'b'],
    });
    const sum = await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
    expect(sum.structuredContent).toEqual({ sum: 42 });
    expect(await client.callTool({ name: 'fail' })).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'sdk tool broke' }],
    });
    // The SDK reports an unknown tool and bad arguments as tool errors rather than -32602.
    expect(await client.callTool({ name: 'missing' })).toMatchObject({ isError: true });
    expect(await client.callTool({ name: 'add', arguments: { a: 'x' } })).toMatchObject({ isError: true });
    await sdk.close();
  });

  test('resources, templates, prompts and completion', async () => {
    const { client, sdk } = await connectToSdk();
    await client.connect();
    expect((await client.listResources()).resources).toEqual([
      { uri: 'memo://readme', name: 'readme', mimeType: 'text/plain' },
    ]);
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual([
      { uriTemplate: 'users://{id}', name: 'user', mimeType: 'application/json' },
    ]);
    expect((await client.readResource({ uri: 'memo://readme' })).contents).toEqual([
      { uri: 'memo://readme', mimeType: 'text/plain', text: 'SDK readme' },
    ]);
    expect((await client.readResource({ uri: 'users://ada' })).contents[0]).toMatchObject({ text: '{"id":"ada"}' });
    expect((await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } })).messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Hello Ada' } },
    ]);
    expect(
      (await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'A' } }))
        .completion.values,
    ).toEqual(['Ada', 'Alan']);
    expect(
      (
        await client.complete({
          ref: { type: 'ref/resource', uri: 'users://{id}' },
          argument: { name: 'id', value: 'al' },
        })
      ).completion.values,
    ).toEqual(['alan']);
    // The SDK answers an unknown resource with -32602 where the spec suggests -32002; either is a typed JsonRpcError here.
    const missing = await client.readResource({ uri: 'memo://nothing' }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(JsonRpcError);
    expect(missing).toMatchObject({ code: -32602 });
    await sdk.close();
  });

  test('progress and cancellation', async () => {
    const { client, sdk, slowStarted, slowAborted } = await connectToSdk();
    await client.connect();
    const progress: ProgressParams[] = [];
    const counted = await client.callTool(
      { name: 'count', arguments: { to: 3 } },
      { onProgress: (p) => progress.push(p) },
    );
    expect(counted.content).toEqual([{ type: 'text', text: 'counted to 3' }]);
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);

    const controller = new AbortController();
    const slow = client.callTool({ name: 'slow' }, { signal: controller.signal });
    await slowStarted;
    controller.abort('stop it');
    await expect(slow).rejects.toBeInstanceOf(RequestCancelledError);
    expect(await slowAborted).toBe('stop it');
    await client.ping();
    await sdk.close();
  });

  test('logging and list_changed notifications arrive as events', async () => {
    const { client, sdk } = await connectToSdk();
    const logs: LoggingMessageParams[] = [];
    client.on('notifications/message', (params) => logs.push(params));
    const toolsChanged = new Promise<void>((resolve) => client.on('notifications/tools/list_changed', () => resolve()));
    await client.connect();
    await client.setLoggingLevel('info');
    await sdk.sendLoggingMessage({ level: 'debug', data: 'hidden' });
    await sdk.sendLoggingMessage({ level: 'error', data: { disk: 'full' } });
    sdk.registerTool('late', {}, async () => ({ content: [] }));
    await toolsChanged;
    expect(logs).toEqual([{ level: 'error', data: { disk: 'full' } }]);
    expect((await client.listTools()).tools.some((tool) => tool.name === 'late')).toBe(true);
    await sdk.close();
  });

  test('sampling, elicitation and roots requests are served by our handlers', async () => {
    const { client, sdk } = await connectToSdk({
      handlers: {
        createMessage: () => ({ role: 'assistant', content: { type: 'text', text: 'pong' }, model: 'erl-model' }),
        elicit: () => ({ action: 'accept', content: { name: 'Joe' } }),
        listRoots: () => [{ uri: 'file:///home/joe', name: 'home' }],
      },
    });
    await client.connect();
    expect((await client.callTool({ name: 'ask' })).content).toEqual([
      { type: 'text', text: 'erl-model|accept:{"name":"Joe"}|file:///home/joe' },
    ]);
    await sdk.close();
  });
});
