import {
  ConnectionClosedError,
  ErrorCode,
  InvalidParamsError,
  JsonRpcError,
  type JsonRpcPayload,
  type LoggingMessageParams,
  McpErrorCode,
  OutputValidationError,
  type ProgressParams,
  RequestCancelledError,
  RequestTimeoutError,
  SessionStateError,
  UnsupportedProtocolVersionError,
} from '@erlmcp/mcp';
import { ClientSession } from '../src/client';
import { fixtureDefinition, fixtureHooks } from './helpers/fixture';
import { link } from './helpers/wire';

describe('handshake', () => {
  test('connect negotiates, then the client knows the server', async () => {
    const { client, server, toServer } = link(fixtureDefinition());
    expect(client.state).toBe('new');
    const result = await client.connect();
    expect(result.protocolVersion).toBe('2025-11-25');
    expect(client.state).toBe('ready');
    expect(client.serverInfo).toEqual({ name: 'fixture-server', version: '1.2.3' });
    expect(client.instructions).toBe('Use the tools.');
    expect(client.serverCapabilities?.tools).toEqual({ listChanged: true });
    await client.ping();
    expect(server.state).toBe('ready');
    expect(toServer.map((m) => (m as { method?: string }).method)).toEqual([
      'initialize',
      'notifications/initialized',
      'ping',
    ]);
  });

  test('an older revision can be requested', async () => {
    const { client, server } = link(fixtureDefinition(), { protocolVersion: '2025-03-26' });
    await client.connect();
    expect(client.protocolVersion).toBe('2025-03-26');
    expect(server.protocolVersion).toBe('2025-03-26');
  });

  test('feature calls before connect are a state error; connect twice too', async () => {
    const { client } = link(fixtureDefinition());
    await expect(client.listTools()).rejects.toBeInstanceOf(SessionStateError);
    await client.connect();
    await expect(client.connect()).rejects.toBeInstanceOf(SessionStateError);
  });

  test('a server choosing an unknown revision is refused and the session closes', async () => {
    const client = scripted(() => ({
      protocolVersion: '2030-01-01',
      capabilities: {},
      serverInfo: { name: 'future', version: '9' },
    }));
    await expect(client.connect()).rejects.toBeInstanceOf(UnsupportedProtocolVersionError);
    expect(client.state).toBe('closed');
  });
});

describe('features', () => {
  test('tools: list across pages, call, structured output, tool errors, protocol errors', async () => {
    const { client } = link(fixtureDefinition(fixtureHooks(), 5));
    await client.connect();
    const tools = await client.listAllTools();
    expect(tools).toHaveLength(12);
    expect(await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).toEqual({
      content: [{ type: 'text', text: 'hi' }],
    });
    expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).structuredContent).toEqual({ sum: 3 });
    expect(await client.callTool({ name: 'fail' })).toMatchObject({ isError: true });
    const unknown = await client.callTool({ name: 'nope' }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(InvalidParamsError);
    expect((unknown as JsonRpcError).code).toBe(ErrorCode.InvalidParams);
  });

  test('resources: list, templates, read, not found', async () => {
    const { client } = link(fixtureDefinition());
    await client.connect();
    expect((await client.listAllResources()).map((r) => r.uri)).toEqual([
      'memo://readme',
      'memo://logo',
      'users://ada/profile',
    ]);
    expect((await client.listAllResourceTemplates()).map((t) => t.uriTemplate)).toEqual([
      'users://{id}/profile{?fields*}',
    ]);
    expect((await client.readResource({ uri: 'memo://readme' })).contents).toEqual([
      { uri: 'memo://readme', mimeType: 'text/plain', text: 'Read me first.' },
    ]);
    const missing = await client.readResource({ uri: 'memo://missing' }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(JsonRpcError);
    expect((missing as JsonRpcError).code).toBe(McpErrorCode.ResourceNotFound);
  });

  test('prompts and completion', async () => {
    const { client } = link(fixtureDefinition());
    await client.connect();
    expect((await client.listAllPrompts()).map((p) => p.name)).toEqual(['greet']);
    expect((await client.getPrompt({ name: 'greet', arguments: { name: 'Grace' } })).messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Greet Grace' } },
    ]);
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'style', value: 'fr' },
    });
    expect(completion.completion.values).toEqual(['friendly']);
  });

  test('notifications arrive as events: logging, list_changed, resource updates', async () => {
    const definition = fixtureDefinition();
    const { client } = link(definition);
    const logs: LoggingMessageParams[] = [];
    const changed: string[] = [];
    const updated: string[] = [];
    client.on('notifications/message', (params) => logs.push(params));
    client.on('notifications/tools/list_changed', () => changed.push('tools'));
    client.on('notifications/resources/updated', (params) => updated.push(params.uri));
    await client.connect();
    await client.setLoggingLevel('warning');
    await client.callTool({ name: 'log' });
    expect(logs.map((log) => log.level)).toEqual(['warning', 'error']);
    await client.subscribeResource('memo://readme');
    const seen = new Promise<void>((resolve) => client.on('notifications/tools/list_changed', () => resolve()));
    definition.notifyResourceUpdated('memo://readme');
    definition.addTool({ name: 'late', handler: () => ({}) });
    await seen;
    expect(changed).toEqual(['tools']);
    expect(updated).toEqual(['memo://readme']);
  });

  test('progress reaches onProgress', async () => {
    const { client } = link(fixtureDefinition());
    await client.connect();
    const seen: ProgressParams[] = [];
    const result = await client.callTool(
      { name: 'progress', arguments: { steps: 3 } },
      { onProgress: (p) => seen.push(p) },
    );
    expect(result.content).toEqual([{ type: 'text', text: 'done 3' }]);
    expect(seen.map((p) => [p.progress, p.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  test('aborting a call cancels it on the server, which then sends nothing for it', async () => {
    const hooks = fixtureHooks();
    const { client, server, toClient } = link(fixtureDefinition(hooks));
    await client.connect();
    const controller = new AbortController();
    const call = client.callTool({ name: 'wait' }, { signal: controller.signal });
    const ctx = await hooks.started.promise;
    controller.abort('enough');
    await expect(call).rejects.toBeInstanceOf(RequestCancelledError);
    expect(await hooks.aborted.promise).toBe('enough');
    await server.drain();
    expect(toClient.some((m) => !Array.isArray(m) && 'id' in m && m.id === ctx.requestId)).toBe(false);
    await client.ping();
  });
});

describe('server-to-client requests through handlers', () => {
  test('sampling, elicitation and roots are answered by the client handlers', async () => {
    const { client, server } = link(fixtureDefinition(), {
      handlers: {
        createMessage: (params) => ({
          role: 'assistant',
          content: { type: 'text', text: `got ${params.messages.length}` },
          model: 'tiny',
        }),
        elicit: () => ({ action: 'accept', content: { name: 'Ada' } }),
        listRoots: () => [{ uri: 'file:///work' }, { uri: 'file:///tmp' }],
      },
    });
    let rootsChanged = 0;
    server.on('rootsListChanged', () => rootsChanged++);
    await client.connect();
    expect(client.clientCapabilities).toEqual({
      sampling: {},
      elicitation: { form: {} },
      roots: { listChanged: true },
    });
    expect((await client.callTool({ name: 'ask-model' })).content).toEqual([
      { type: 'text', text: 'model tiny said {"type":"text","text":"got 1"}' },
    ]);
    expect((await client.callTool({ name: 'ask-user' })).content).toEqual([
      { type: 'text', text: 'accept:{"name":"Ada"}' },
    ]);
    expect((await client.callTool({ name: 'roots' })).content).toEqual([
      { type: 'text', text: 'file:///work,file:///tmp' },
    ]);
    await server.ping();
    client.notifyRootsListChanged();
    await client.ping();
    expect(rootsChanged).toBe(1);
  });

  test('without handlers the server gets a typed refusal, surfaced as a tool error', async () => {
    const { client } = link(fixtureDefinition());
    await client.connect();
    const result = await client.callTool({ name: 'roots' });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: 'The peer did not declare the "roots" capability' }]);
  });
});

/** A client whose server is a script: each request's response comes from `answer`. */
function scripted(
  answer: (request: { method: string; params?: unknown }) => unknown,
  onSend: (message: JsonRpcPayload) => void = () => undefined,
): ClientSession {
  const client: ClientSession = new ClientSession({
    clientInfo: { name: 'scripted', version: '1' },
    send: (payload) => {
      onSend(payload);
      if (Array.isArray(payload) || !('method' in payload) || !('id' in payload)) return;
      const result = answer(payload);
      if (result !== undefined) setImmediate(() => client.receive({ jsonrpc: '2.0', id: payload.id, result }));
    },
  });
  return client;
}

const INIT = {
  protocolVersion: '2025-11-25',
  capabilities: { tools: {} },
  serverInfo: { name: 'scripted', version: '1' },
};

describe('defensive client', () => {
  test('structuredContent is checked against the outputSchema from listTools', async () => {
    const client = scripted((request) => {
      if (request.method === 'initialize') return INIT;
      if (request.method === 'tools/list') {
        return {
          tools: [
            {
              name: 'sum',
              inputSchema: { type: 'object' },
              outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
            },
          ],
        };
      }
      return { content: [], structuredContent: { sum: 'many' } };
    });
    await client.connect();
    await client.listTools();
    await expect(client.callTool({ name: 'sum' })).rejects.toBeInstanceOf(OutputValidationError);
  });

  test('results missing required members are protocol violations', async () => {
    const client = scripted((request) => (request.method === 'initialize' ? INIT : { nothing: true }));
    await client.connect();
    await expect(client.listTools()).rejects.toThrow(/tools is not of type array/);
  });

  test('an unanswered request times out; close rejects what is pending', async () => {
    const sent: JsonRpcPayload[] = [];
    const client = scripted(
      (request) => (request.method === 'initialize' ? INIT : undefined),
      (message) => sent.push(message),
    );
    await client.connect();
    await expect(client.listPrompts(undefined, { timeoutMs: 1 })).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(sent.some((m) => !Array.isArray(m) && 'method' in m && m.method === 'notifications/cancelled')).toBe(true);
    const pending = client.listResources();
    client.close();
    await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(client.ping()).rejects.toBeInstanceOf(SessionStateError);
  });

  test('requests the client has no handler for get -32601', async () => {
    const sent: JsonRpcPayload[] = [];
    const client = scripted(
      () => undefined,
      (message) => sent.push(message),
    );
    client.receive({
      jsonrpc: '2.0',
      id: 'x',
      method: 'sampling/createMessage',
      params: { messages: [], maxTokens: 1 },
    });
    await client.drain();
    expect(sent).toEqual([
      { jsonrpc: '2.0', id: 'x', error: { code: -32601, message: 'Method not found: sampling/createMessage' } },
    ]);
  });
});
