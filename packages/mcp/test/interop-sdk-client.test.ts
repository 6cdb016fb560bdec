/**
 * The official TypeScript SDK's Client against our ServerSession. The SDK only needs a
 * Transport; SessionBridgeTransport hands its messages to the session and back.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode as SdkErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpServerDefinition, ServerSession } from '../src/server';
import { fixtureDefinition, fixtureHooks } from './helpers/fixture';
import { SessionBridgeTransport } from './helpers/sdk';

async function sdkClientFor(
  definition: McpServerDefinition,
  capabilities: ConstructorParameters<typeof Client>[1] = {},
): Promise<{ client: Client; session: ServerSession; transport: SessionBridgeTransport }> {
  const transport = new SessionBridgeTransport();
  const session = definition.createSession({ send: transport.deliver });
  transport.attach(session);
  const client = new Client({ name: 'sdk-client', version: '3.0.0' }, capabilities);
  await client.connect(transport);
  return { client, session, transport };
}

describe('SDK Client ↔ ServerSession', () => {
  test('handshake at the latest revision', async () => {
    const { client, session } = await sdkClientFor(fixtureDefinition());
    expect(client.getServerVersion()).toEqual({ name: 'fixture-server', version: '1.2.3' });
    expect(client.getInstructions()).toBe('Use the tools.');
    expect(client.getServerCapabilities()).toMatchObject({
      tools: { listChanged: true },
      resources: { subscribe: true },
    });
    expect(session.protocolVersion).toBe('2025-11-25');
    expect(session.clientInfo).toEqual({ name: 'sdk-client', version: '3.0.0' });
    await client.ping();
    expect(session.state).toBe('ready');
    await client.close();
    expect(session.state).toBe('closed');
  });

  test('tools: list, call, structured output, tool errors, unknown tool', async () => {
    const { client } = await sdkClientFor(fixtureDefinition());
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(12);
    expect(tools.find((tool) => tool.name === 'add')?.outputSchema).toMatchObject({ required: ['sum'] });
    expect(await client.callTool({ name: 'echo', arguments: { text: 'from the SDK' } })).toEqual({
      content: [{ type: 'text', text: 'from the SDK' }],
    });
    const sum = await client.callTool({ name: 'add', arguments: { a: 4, b: 5 } });
    expect(sum.structuredContent).toEqual({ sum: 9 });
    expect(await client.callTool({ name: 'fail' })).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'the tool broke' }],
    });
    expect(await client.callTool({ name: 'echo', arguments: { text: 1 } })).toMatchObject({ isError: true });
    const unknown = await client.callTool({ name: 'nope' }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(McpError);
    expect((unknown as McpError).code).toBe(SdkErrorCode.InvalidParams);
    await client.close();
  });

  test('resources, templates, subscriptions', async () => {
    const definition = fixtureDefinition();
    const { client } = await sdkClientFor(definition);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual([
      'memo://readme',
      'memo://logo',
      'users://ada/profile',
    ]);
    expect((await client.listResourceTemplates()).resourceTemplates[0]?.uriTemplate).toBe(
      'users://{id}/profile{?fields*}',
    );
    expect((await client.readResource({ uri: 'memo://logo' })).contents).toEqual([
      { uri: 'memo://logo', mimeType: 'image/png', blob: 'AQID' },
    ]);
    const profile = (await client.readResource({ uri: 'users://ada/profile' })).contents[0] as { text: string };
    expect(JSON.parse(profile.text)).toEqual({ id: 'ada' });
    const missing = await client.readResource({ uri: 'memo://none' }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(McpError);
    expect((missing as McpError).code).toBe(-32002);
    const updated = new Promise<string>((resolve) =>
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) =>
        resolve(notification.params.uri),
      ),
    );
    await client.subscribeResource({ uri: 'memo://readme' });
    definition.notifyResourceUpdated('memo://readme');
    expect(await updated).toBe('memo://readme');
    await client.close();
  });

  test('prompts and completion', async () => {
    const { client } = await sdkClientFor(fixtureDefinition());
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['greet']);
    expect((await client.getPrompt({ name: 'greet', arguments: { name: 'Joe', style: 'friendly' } })).messages).toEqual(
      [{ role: 'user', content: { type: 'text', text: 'Greet Joe in a friendly way' } }],
    );
    const missing = await client.getPrompt({ name: 'greet', arguments: {} }).catch((error: unknown) => error);
    expect((missing as McpError).code).toBe(SdkErrorCode.InvalidParams);
    const completion = await client.complete({
      ref: { type: 'ref/resource', uri: 'users://{id}/profile{?fields*}' },
      argument: { name: 'id', value: 'g' },
    });
    expect(completion.completion.values).toEqual(['grace']);
    await client.close();
  });

  test('progress and cancellation', async () => {
    const hooks = fixtureHooks();
    const { client, session } = await sdkClientFor(fixtureDefinition(hooks));
    const progress: number[] = [];
    const done = await client.callTool({ name: 'progress', arguments: { steps: 4 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(done.content).toEqual([{ type: 'text', text: 'done 4' }]);
    expect(progress).toEqual([1, 2, 3, 4]);

    const controller = new AbortController();
    const waiting = client.callTool({ name: 'wait' }, undefined, { signal: controller.signal });
    await hooks.started.promise;
    controller.abort('SDK says stop');
    await expect(waiting).rejects.toThrow();
    expect(await hooks.aborted.promise).toBe('SDK says stop');
    await session.drain();
    expect(session.inFlightCount).toBe(0);
    await client.ping();
    await client.close();
  });

  test('logging level and list_changed', async () => {
    const definition = fixtureDefinition();
    const { client } = await sdkClientFor(definition);
    const levels: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      levels.push(notification.params.level);
    });
    const changed = new Promise<void>((resolve) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    await client.setLoggingLevel('error');
    await client.callTool({ name: 'log' });
    definition.addTool({ name: 'brand-new', handler: () => ({ content: [] }) });
    await changed;
    expect(levels).toEqual(['error']);
    expect((await client.listTools()).tools.some((tool) => tool.name === 'brand-new')).toBe(true);
    await client.close();
  });

  test('server-to-client requests reach the SDK handlers when capabilities are declared', async () => {
    const { client } = await sdkClientFor(fixtureDefinition(), {
      capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
    });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'sdk reply' },
      model: 'sdk-model',
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///sdk' }] }));
    expect((await client.callTool({ name: 'ask-model' })).content).toEqual([
      { type: 'text', text: 'model sdk-model said {"type":"text","text":"sdk reply"}' },
    ]);
    expect((await client.callTool({ name: 'ask-user' })).content).toEqual([{ type: 'text', text: 'decline:{}' }]);
    expect((await client.callTool({ name: 'roots' })).content).toEqual([{ type: 'text', text: 'file:///sdk' }]);
    await client.close();
  });

  test('without declared capabilities the server refuses before asking', async () => {
    const { client } = await sdkClientFor(fixtureDefinition());
    const result = await client.callTool({ name: 'ask-user' });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: 'The peer did not declare the "elicitation" capability' }]);
    await client.close();
  });
});
