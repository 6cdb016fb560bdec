import {
  CapabilityNotSupportedError,
  ConnectionClosedError,
  ErrorCode,
  JsonRpcError,
  LATEST_PROTOCOL_VERSION,
  MAX_URI_LENGTH,
  McpErrorCode,
  RequestCancelledError,
  RequestTimeoutError,
  SessionStateError,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@erlmcp/mcp';
import { defineServer } from '../src/server';
import { fixtureDefinition, fixtureHooks } from './helpers/fixture';
import { initializeRequest, Outbox, readyServer } from './helpers/wire';

type Json = Record<string, any>;

describe('lifecycle', () => {
  test('ping is allowed before initialize, other requests are refused', async () => {
    const out = new Outbox();
    const session = fixtureDefinition().createSession({ send: out.send });
    session.receive({ jsonrpc: '2.0', id: 'p', method: 'ping' });
    expect(await out.response('p')).toEqual({ jsonrpc: '2.0', id: 'p', result: {} });
    session.receive({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const refused = (await out.response(1)) as Json;
    expect(refused.error.code).toBe(ErrorCode.InvalidRequest);
    expect(session.state).toBe('awaiting-initialize');
  });

  test('initialize returns capabilities, server info and instructions; initialized makes the session ready', async () => {
    const out = new Outbox();
    const session = fixtureDefinition().createSession({ send: out.send });
    session.receive(initializeRequest(0));
    const { result } = (await out.response(0)) as Json;
    expect(result).toEqual({
      protocolVersion: '2025-11-25',
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
      serverInfo: { name: 'fixture-server', version: '1.2.3' },
      instructions: 'Use the tools.',
    });
    expect(session.state).toBe('initializing');
    expect(session.clientInfo).toEqual({ name: 'test-client', version: '1.0.0' });
    session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(session.state).toBe('ready');
  });

  test.each(SUPPORTED_PROTOCOL_VERSIONS)('a client asking for %s gets it', async (version) => {
    const out = new Outbox();
    const session = fixtureDefinition().createSession({ send: out.send });
    session.receive(initializeRequest(0, version));
    expect(((await out.response(0)) as Json).result.protocolVersion).toBe(version);
    expect(session.protocolVersion).toBe(version);
  });

  test('an unsupported version is answered with the latest', async () => {
    const out = new Outbox();
    const session = fixtureDefinition().createSession({ send: out.send });
    session.receive(initializeRequest(0, '1999-01-01'));
    expect(((await out.response(0)) as Json).result.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
  });

  test('initialize twice, or with bad params, is refused', async () => {
    const out = new Outbox();
    const session = fixtureDefinition().createSession({ send: out.send });
    session.receive({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: 1 } });
    expect(((await out.response(1)) as Json).error.code).toBe(ErrorCode.InvalidParams);
    session.receive({
      jsonrpc: '2.0',
      id: 2,
      method: 'initialize',
      params: { protocolVersion: 'x', capabilities: {}, clientInfo: { name: 'n' } },
    });
    expect(((await out.response(2)) as Json).error.code).toBe(ErrorCode.InvalidParams);
    session.receive(initializeRequest(3));
    await out.response(3);
    session.receive(initializeRequest(4));
    expect(((await out.response(4)) as Json).error.code).toBe(ErrorCode.InvalidRequest);
  });

  test('unknown methods get -32601, unknown notifications are ignored', async () => {
    const { session, out, request } = await readyServer(fixtureDefinition());
    const unknown = (await request('tools/explode')) as Json;
    expect(unknown.error.code).toBe(ErrorCode.MethodNotFound);
    out.clear();
    session.receive({ jsonrpc: '2.0', method: 'notifications/whatever', params: { a: 1 } });
    await session.drain();
    expect(out.messages).toEqual([]);
  });

  test('a request id already in flight is refused without disturbing the first', async () => {
    const hooks = fixtureHooks();
    const { session, out } = await readyServer(fixtureDefinition(hooks));
    session.receive({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'wait' } });
    await hooks.started.promise;
    session.receive({ jsonrpc: '2.0', id: 'dup', method: 'ping' });
    const refused = (await out.response('dup')) as Json;
    expect(refused.error.code).toBe(ErrorCode.InvalidRequest);
    out.clear();
    hooks.release.resolve();
    const first = (await out.response('dup')) as Json;
    expect(first.result.content).toEqual([{ type: 'text', text: 'released' }]);
  });
});

describe('batches', () => {
  test('2025-03-26 answers a batch with one array, skipping notifications', async () => {
    const { session, out } = await readyServer(fixtureDefinition(), { protocolVersion: '2025-03-26' });
    out.clear();
    session.receiveText(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'ping' },
        { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
        { jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } },
        { jsonrpc: '2.0', id: 'c', method: 'nope' },
        { jsonrpc: '1.0', id: 'd', method: 'ping' },
      ]),
    );
    const reply = (await out.next(Array.isArray)) as Json[];
    const byId = Object.fromEntries(reply.map((response) => [response.id, response]));
    expect(reply).toHaveLength(4);
    expect(byId.a.result).toEqual({});
    expect(byId.b.result.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(byId.c.error.code).toBe(ErrorCode.MethodNotFound);
    expect(byId.d.error.code).toBe(ErrorCode.InvalidRequest);
  });

  test('a batch of notifications gets no reply', async () => {
    const { session, out } = await readyServer(fixtureDefinition(), { protocolVersion: '2025-03-26' });
    out.clear();
    session.receiveText('[{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}]');
    await session.drain();
    expect(out.messages).toEqual([]);
  });

  test.each(['2025-11-25', '2025-06-18', '2024-11-05'])('%s refuses batches with one error', async (version) => {
    const { session, out } = await readyServer(fixtureDefinition(), { protocolVersion: version });
    out.clear();
    session.receiveText('[{"jsonrpc":"2.0","id":1,"method":"ping"}]');
    await session.drain();
    expect(out.messages).toEqual([
      { jsonrpc: '2.0', error: { code: ErrorCode.InvalidRequest, message: expect.stringMatching(version) } },
    ]);
  });
});

describe('tools', () => {
  test('list paginates with opaque cursors', async () => {
    const { request } = await readyServer(fixtureDefinition(fixtureHooks(), 4));
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { result } = (await request('tools/list', cursor === undefined ? {} : { cursor })) as Json;
      names.push(...result.tools.map((tool: Json) => tool.name));
      cursor = result.nextCursor;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(names).toEqual([
      'echo',
      'add',
      'legacy-count',
      'fail',
      'refuse',
      'bad-output',
      'progress',
      'wait',
      'log',
      'ask-model',
      'ask-user',
      'roots',
    ]);
    expect(((await request('tools/list', { cursor: 'not-a-cursor' })) as Json).error.code).toBe(
      ErrorCode.InvalidParams,
    );
  });

  test('call runs the handler with validated arguments', async () => {
    const { request } = await readyServer(fixtureDefinition());
    const { result } = (await request('tools/call', { name: 'echo', arguments: { text: 'hello' } })) as Json;
    expect(result).toEqual({ content: [{ type: 'text', text: 'hello' }] });
  });

  test('an unknown tool is the spec error -32602', async () => {
    const { request } = await readyServer(fixtureDefinition());
    const { error } = (await request('tools/call', { name: 'missing' })) as Json;
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toMatch(/Unknown tool: missing/);
  });

  test('invalid arguments: a tool error in 2025-11-25, a protocol error before', async () => {
    const latest = await readyServer(fixtureDefinition());
    const { result } = (await latest.request('tools/call', { name: 'echo', arguments: { text: 5 } })) as Json;
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toMatch(/Invalid arguments for tool echo: \/text must be string/);
    const older = await readyServer(fixtureDefinition(), { protocolVersion: '2025-06-18' });
    const { error } = (await older.request('tools/call', { name: 'echo', arguments: { wrong: true } })) as Json;
    expect(error.code).toBe(ErrorCode.InvalidParams);
  });

  test('draft-07 and 2020-12 input schemas are both enforced', async () => {
    const { request } = await readyServer(fixtureDefinition());
    expect(
      ((await request('tools/call', { name: 'legacy-count', arguments: { items: [1, 2] } })) as Json).result.content[0]
        .text,
    ).toBe('2');
    const tooMany = (await request('tools/call', { name: 'legacy-count', arguments: { items: [1, 2, 3, 4] } })) as Json;
    expect(tooMany.result.isError).toBe(true);
    const notInteger = (await request('tools/call', { name: 'legacy-count', arguments: { items: [1.5] } })) as Json;
    expect(notInteger.result.isError).toBe(true);
    const missing = (await request('tools/call', { name: 'add', arguments: { a: 1 } })) as Json;
    expect(missing.result.isError).toBe(true);
  });

  test('arguments that are not an object are invalid params', async () => {
    const { request } = await readyServer(fixtureDefinition());
    expect(((await request('tools/call', { name: 'echo', arguments: [1] })) as Json).error.code).toBe(
      ErrorCode.InvalidParams,
    );
    expect(((await request('tools/call', { arguments: {} })) as Json).error.code).toBe(ErrorCode.InvalidParams);
  });

  test('structuredContent is validated and mirrored as text', async () => {
    const { request } = await readyServer(fixtureDefinition());
    const { result } = (await request('tools/call', { name: 'add', arguments: { a: 2, b: 3 } })) as Json;
    expect(result).toEqual({ structuredContent: { sum: 5 }, content: [{ type: 'text', text: '{"sum":5}' }] });
    const bad = (await request('tools/call', { name: 'bad-output' })) as Json;
    expect(bad.error.code).toBe(ErrorCode.InternalError);
    expect(bad.error.message).toMatch(/outputSchema/);
  });

  test('handler throws become isError results; explicit JsonRpcErrors stay protocol errors', async () => {
    const { request } = await readyServer(fixtureDefinition());
    expect(((await request('tools/call', { name: 'fail' })) as Json).result).toEqual({
      content: [{ type: 'text', text: 'the tool broke' }],
      isError: true,
    });
    expect(((await request('tools/call', { name: 'refuse' })) as Json).error).toEqual({
      code: ErrorCode.InvalidParams,
      message: 'refused explicitly',
    });
  });

  test('2024-11-05 sessions see neither outputSchema nor structuredContent', async () => {
    const { request } = await readyServer(fixtureDefinition(), { protocolVersion: '2024-11-05' });
    const { result } = (await request('tools/list')) as Json;
    expect(result.tools.find((tool: Json) => tool.name === 'add').outputSchema).toBeUndefined();
    const call = (await request('tools/call', { name: 'add', arguments: { a: 1, b: 1 } })) as Json;
    expect(call.result).toEqual({ content: [{ type: 'text', text: '{"sum":2}' }] });
  });

  test('a schema ajv cannot compile fails at definition time', () => {
    expect(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({
          name: 't',
          inputSchema: { type: 'object', properties: { a: { type: 'no-such-type' } } },
          handler: () => ({}),
        })
        .build(),
    ).toThrow(/Invalid JSON Schema/);
    expect(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({
          name: 't',
          inputSchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
          handler: () => ({}),
        })
        .build(),
    ).toThrow(/Unsupported JSON Schema dialect/);
    expect(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({ name: 't', handler: () => ({}) })
        .tool({ name: 't', handler: () => ({}) })
        .build(),
    ).toThrow(/already defined/);
  });
});

describe('progress and cancellation', () => {
  test('progress notifications carry the token, only increase, and precede the response', async () => {
    const { out, request } = await readyServer(fixtureDefinition());
    const response = (await request('tools/call', {
      name: 'progress',
      arguments: { steps: 3 },
      _meta: { progressToken: 'tok' },
    })) as Json;
    expect(response.result.content[0].text).toBe('done 3');
    const responseIndex = out.messages.indexOf(response as never);
    const progress = out.notifications('notifications/progress');
    expect(progress.map((n) => n.params)).toEqual(
      [1, 2, 3].map((i) => ({ progressToken: 'tok', progress: i, total: 3, message: `step ${i}` })),
    );
    for (const notification of progress)
      expect(out.messages.indexOf(notification as never)).toBeLessThan(responseIndex);
  });

  test('no progressToken, no progress notifications', async () => {
    const { out, request } = await readyServer(fixtureDefinition());
    await request('tools/call', { name: 'progress', arguments: { steps: 2 } });
    expect(out.notifications('notifications/progress')).toEqual([]);
  });

  test('notifications/cancelled aborts the handler and suppresses its response', async () => {
    const hooks = fixtureHooks();
    const { session, out, request } = await readyServer(fixtureDefinition(hooks));
    session.receive({
      jsonrpc: '2.0',
      id: 50,
      method: 'tools/call',
      params: { name: 'wait', _meta: { progressToken: 9 } },
    });
    const ctx = await hooks.started.promise;
    expect(ctx.requestId).toBe(50);
    session.receive({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 50, reason: 'user gave up' },
    });
    expect(await hooks.aborted.promise).toBe('user gave up');
    await session.drain();
    expect(out.messages.filter((m) => !Array.isArray(m) && 'id' in m && m.id === 50)).toEqual([]);
    ctx.progress(2);
    expect(out.notifications('notifications/progress')).toHaveLength(1);
    expect(((await request('ping')) as Json).result).toEqual({});
  });

  test('progress after the request completed is dropped', async () => {
    const hooks = fixtureHooks();
    const { session, out } = await readyServer(fixtureDefinition(hooks));
    session.receive({
      jsonrpc: '2.0',
      id: 'late',
      method: 'tools/call',
      params: { name: 'wait', _meta: { progressToken: 'lt' } },
    });
    const ctx = await hooks.started.promise;
    hooks.release.resolve();
    await out.response('late');
    ctx.progress(10);
    expect(out.notifications('notifications/progress').map((n) => (n.params as Json).progress)).toEqual([1]);
  });

  test('cancelling an unknown or finished request is harmless, and initialize cannot be cancelled', async () => {
    const out = new Outbox();
    const session = fixtureDefinition().createSession({ send: out.send });
    session.receive(initializeRequest(0));
    session.receive({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 0 } });
    expect(((await out.response(0)) as Json).result.protocolVersion).toBe('2025-11-25');
    session.receive({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'nobody' } });
    await session.drain();
    expect(out.messages).toHaveLength(1);
  });
});

describe('logging', () => {
  test('messages below the level are filtered; setLevel changes the level', async () => {
    const { out, request } = await readyServer(fixtureDefinition());
    await request('tools/call', { name: 'log' });
    expect(out.notifications('notifications/message').map((n) => (n.params as Json).level)).toEqual([
      'info',
      'warning',
      'error',
    ]);
    expect(out.notifications('notifications/message')[0]?.params).toEqual({
      level: 'info',
      logger: 'fixture',
      data: { level: 'info' },
    });
    out.clear();
    expect(((await request('logging/setLevel', { level: 'error' })) as Json).result).toEqual({});
    await request('tools/call', { name: 'log' });
    expect(out.notifications('notifications/message').map((n) => (n.params as Json).level)).toEqual(['error']);
    expect(((await request('logging/setLevel', { level: 'loud' })) as Json).error.code).toBe(ErrorCode.InvalidParams);
  });
});

describe('resources', () => {
  test('list includes fixed resources and template members; templates list separately', async () => {
    const { request } = await readyServer(fixtureDefinition());
    expect(((await request('resources/list')) as Json).result.resources).toEqual([
      { uri: 'memo://readme', name: 'readme', mimeType: 'text/plain' },
      { uri: 'memo://logo', name: 'logo', mimeType: 'image/png' },
      { uri: 'users://ada/profile', name: 'Ada' },
    ]);
    expect(((await request('resources/templates/list')) as Json).result.resourceTemplates).toEqual([
      { uriTemplate: 'users://{id}/profile{?fields*}', name: 'user-profile', mimeType: 'application/json' },
    ]);
  });

  test('read: text, blob, template variables, not found', async () => {
    const { request } = await readyServer(fixtureDefinition());
    expect(((await request('resources/read', { uri: 'memo://readme' })) as Json).result).toEqual({
      contents: [{ uri: 'memo://readme', mimeType: 'text/plain', text: 'Read me first.' }],
    });
    expect(((await request('resources/read', { uri: 'memo://logo' })) as Json).result.contents[0].blob).toBe('AQID');
    const profile = (await request('resources/read', {
      uri: 'users://grace%20h/profile?fields=name&fields=born',
    })) as Json;
    expect(JSON.parse(profile.result.contents[0].text)).toEqual({ id: 'grace h', fields: ['name', 'born'] });
    const missing = (await request('resources/read', { uri: 'memo://nothing' })) as Json;
    expect(missing.error).toEqual({
      code: McpErrorCode.ResourceNotFound,
      message: 'Resource not found: memo://nothing',
      data: { uri: 'memo://nothing' },
    });
    expect(((await request('resources/read', {})) as Json).error.code).toBe(ErrorCode.InvalidParams);
  });

  test('URIs longer than MAX_URI_LENGTH are -32602 before any matching; the cap itself is accepted', async () => {
    const { request } = await readyServer(fixtureDefinition());
    const long = `users://${'a'.repeat(MAX_URI_LENGTH)}/profile`;
    const refused = ((await request('resources/read', { uri: long })) as Json).error;
    expect(refused).toEqual({
      code: ErrorCode.InvalidParams,
      message: `uri is longer than ${MAX_URI_LENGTH} characters`,
      data: { length: long.length, limit: MAX_URI_LENGTH },
    });
    for (const method of ['resources/subscribe', 'resources/unsubscribe']) {
      expect(((await request(method, { uri: long })) as Json).error.code).toBe(ErrorCode.InvalidParams);
    }
    const complete = (await request('completion/complete', {
      ref: { type: 'ref/resource', uri: long },
      argument: { name: 'id', value: '' },
    })) as Json;
    expect(complete.error.code).toBe(ErrorCode.InvalidParams);
    const atCap = `users://${'a'.repeat(MAX_URI_LENGTH - 'users:///profile'.length)}/profile`;
    expect(atCap).toHaveLength(MAX_URI_LENGTH);
    const read = (await request('resources/read', { uri: atCap })) as Json;
    expect(JSON.parse(read.result.contents[0].text).id).toHaveLength(MAX_URI_LENGTH - 'users:///profile'.length);
  });

  test('subscribe / unsubscribe drive notifications/resources/updated', async () => {
    const definition = fixtureDefinition();
    const { out, request } = await readyServer(definition);
    await request('resources/subscribe', { uri: 'memo://readme' });
    definition.notifyResourceUpdated('memo://readme');
    definition.notifyResourceUpdated('memo://logo');
    expect(out.notifications('notifications/resources/updated').map((n) => n.params)).toEqual([
      { uri: 'memo://readme' },
    ]);
    await request('resources/unsubscribe', { uri: 'memo://readme' });
    definition.notifyResourceUpdated('memo://readme');
    expect(out.notifications('notifications/resources/updated')).toHaveLength(1);
  });
});

describe('prompts and completion', () => {
  test('list and get with arguments', async () => {
    const { request } = await readyServer(fixtureDefinition());
    expect(((await request('prompts/list')) as Json).result.prompts).toEqual([
      {
        name: 'greet',
        description: 'Greets someone',
        arguments: [
          { name: 'name', required: true },
          { name: 'style', required: false },
        ],
      },
    ]);
    expect(
      ((await request('prompts/get', { name: 'greet', arguments: { name: 'Ada', style: 'formal' } })) as Json).result,
    ).toEqual({
      messages: [{ role: 'user', content: { type: 'text', text: 'Greet Ada in a formal way' } }],
    });
  });

  test('missing required arguments, non-string arguments and unknown prompts are invalid params', async () => {
    const { request } = await readyServer(fixtureDefinition());
    expect(((await request('prompts/get', { name: 'greet' })) as Json).error.message).toMatch(
      /Missing required arguments.*name/,
    );
    expect(((await request('prompts/get', { name: 'greet', arguments: { name: 3 } })) as Json).error.code).toBe(
      ErrorCode.InvalidParams,
    );
    expect(((await request('prompts/get', { name: 'nope' })) as Json).error.code).toBe(ErrorCode.InvalidParams);
  });

  test('completion for prompt arguments and template variables, capped at 100', async () => {
    const { request } = await readyServer(fixtureDefinition());
    const style = (await request('completion/complete', {
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'style', value: 'f' },
    })) as Json;
    expect(style.result.completion).toEqual({ values: ['formal', 'friendly', 'funny'] });
    const names = (await request('completion/complete', {
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'name', value: '' },
    })) as Json;
    expect(names.result.completion.values).toHaveLength(100);
    expect(names.result.completion).toMatchObject({ total: 150, hasMore: true });
    const ids = (await request('completion/complete', {
      ref: { type: 'ref/resource', uri: 'users://{id}/profile{?fields*}' },
      argument: { name: 'id', value: 'a' },
    })) as Json;
    expect(ids.result.completion).toEqual({ values: ['ada', 'alan'] });
    const other = (await request('completion/complete', {
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'unknown', value: '' },
    })) as Json;
    expect(other.result.completion).toEqual({ values: [] });
    const bad = (await request('completion/complete', {
      ref: { type: 'ref/tool', name: 'x' },
      argument: { name: 'a', value: '' },
    })) as Json;
    expect(bad.error.code).toBe(ErrorCode.InvalidParams);
  });
});

describe('list_changed at run time', () => {
  test('adding and removing tools, resources and prompts notifies ready sessions', async () => {
    const definition = fixtureDefinition();
    const { out, request } = await readyServer(definition);
    definition.addTool({ name: 'late', handler: () => ({ content: [{ type: 'text', text: 'late' }] }) });
    expect(out.notifications('notifications/tools/list_changed')).toEqual([
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    ]);
    expect(((await request('tools/call', { name: 'late' })) as Json).result.content[0].text).toBe('late');
    expect(definition.removeTool('late')).toBe(true);
    expect(definition.removeTool('late')).toBe(false);
    expect(out.notifications('notifications/tools/list_changed')).toHaveLength(2);
    definition.addResource({ uri: 'memo://new', name: 'new', read: (uri) => [{ uri, text: '' }] });
    definition.removeResourceTemplate('users://{id}/profile{?fields*}');
    expect(out.notifications('notifications/resources/list_changed')).toHaveLength(2);
    definition.removePrompt('greet');
    expect(out.notifications('notifications/prompts/list_changed')).toHaveLength(1);
  });

  test('not before notifications/initialized, not after close, not for undeclared capabilities', async () => {
    const definition = defineServer({ name: 'tools-only', version: '1' })
      .tool({ name: 'a', handler: () => ({}) })
      .build();
    const out = new Outbox();
    const session = definition.createSession({ send: out.send });
    session.receive(initializeRequest(0));
    await out.response(0);
    definition.addTool({ name: 'b', handler: () => ({}) });
    session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
    definition.addPrompt({ name: 'p', handler: () => [] });
    session.receive({ jsonrpc: '2.0', id: 1, method: 'prompts/list' });
    expect(((await out.response(1)) as Json).error.code).toBe(ErrorCode.MethodNotFound);
    session.close();
    definition.addTool({ name: 'c', handler: () => ({}) });
    expect(out.notifications('notifications/tools/list_changed')).toEqual([]);
    expect(out.notifications('notifications/prompts/list_changed')).toEqual([]);
  });
});

describe('server-to-client requests', () => {
  test('refused with a typed error unless the client declared the capability', async () => {
    const { session, request } = await readyServer(fixtureDefinition());
    await expect(session.createMessage({ messages: [], maxTokens: 1 })).rejects.toBeInstanceOf(
      CapabilityNotSupportedError,
    );
    await expect(
      session.elicit({ message: 'x', requestedSchema: { type: 'object', properties: {} } }),
    ).rejects.toBeInstanceOf(CapabilityNotSupportedError);
    await expect(session.listRoots()).rejects.toBeInstanceOf(CapabilityNotSupportedError);
    const viaTool = (await request('tools/call', { name: 'ask-model' })) as Json;
    expect(viaTool.result.isError).toBe(true);
    expect(viaTool.result.content[0].text).toMatch(/sampling/);
  });

  test('before initialize they are a state error', async () => {
    const session = fixtureDefinition().createSession({ send: () => undefined });
    await expect(session.listRoots()).rejects.toBeInstanceOf(SessionStateError);
  });

  test('responses are routed back to the caller, errors arrive typed', async () => {
    const { session, out } = await readyServer(fixtureDefinition(), {
      capabilities: { sampling: {}, roots: {}, elicitation: {} },
    });
    const sampled = session.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }],
      maxTokens: 5,
    });
    const roots = session.listRoots();
    const samplingRequest = (await out.next(
      (m) => !Array.isArray(m) && 'method' in m && m.method === 'sampling/createMessage',
    )) as Json;
    const rootsRequest = (await out.next(
      (m) => !Array.isArray(m) && 'method' in m && m.method === 'roots/list',
    )) as Json;
    session.receive({ jsonrpc: '2.0', id: rootsRequest.id, error: { code: -32601, message: 'no roots here' } });
    session.receive({
      jsonrpc: '2.0',
      id: samplingRequest.id,
      result: { role: 'assistant', content: { type: 'text', text: 'yo' }, model: 'm1' },
    });
    expect(await sampled).toEqual({ role: 'assistant', content: { type: 'text', text: 'yo' }, model: 'm1' });
    const failure = await roots.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(JsonRpcError);
    expect((failure as JsonRpcError).code).toBe(-32601);
  });

  test('form elicitation needs 2025-06-18 or later; URL mode needs the url capability', async () => {
    const older = await readyServer(fixtureDefinition(), {
      protocolVersion: '2025-03-26',
      capabilities: { elicitation: {} },
    });
    await expect(
      older.session.elicit({ message: 'x', requestedSchema: { type: 'object', properties: {} } }),
    ).rejects.toBeInstanceOf(CapabilityNotSupportedError);
    const latest = await readyServer(fixtureDefinition(), { capabilities: { elicitation: {} } });
    await expect(
      latest.session.elicit({ mode: 'url', message: 'Sign in', elicitationId: 'e1', url: 'https://example.com' }),
    ).rejects.toBeInstanceOf(CapabilityNotSupportedError);
  });

  test('aborting sends notifications/cancelled; the late response is ignored', async () => {
    const errors: Error[] = [];
    const { session, out } = await readyServer(fixtureDefinition(), {
      capabilities: { roots: {} },
      onError: (e) => errors.push(e),
    });
    const controller = new AbortController();
    const roots = session.listRoots({ signal: controller.signal });
    const sent = (await out.next((m) => !Array.isArray(m) && 'method' in m && m.method === 'roots/list')) as Json;
    controller.abort('changed my mind');
    await expect(roots).rejects.toBeInstanceOf(RequestCancelledError);
    expect(out.notifications('notifications/cancelled').map((n) => n.params)).toEqual([
      { requestId: sent.id, reason: 'changed my mind' },
    ]);
    session.receive({ jsonrpc: '2.0', id: sent.id, result: { roots: [] } });
    expect(errors).toEqual([]);
  });

  test('an unanswered request times out with a typed error', async () => {
    const { session, out } = await readyServer(fixtureDefinition(), {
      capabilities: { roots: {} },
      requestTimeoutMs: 1,
    });
    await expect(session.listRoots()).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(out.notifications('notifications/cancelled')).toHaveLength(1);
  });

  test('close rejects pending requests and aborts in-flight handlers', async () => {
    const hooks = fixtureHooks();
    const { session, out } = await readyServer(fixtureDefinition(hooks), { capabilities: { roots: {} } });
    const roots = session.listRoots();
    session.receive({ jsonrpc: '2.0', id: 'w', method: 'tools/call', params: { name: 'wait' } });
    await hooks.started.promise;
    let closed = false;
    session.on('close', () => (closed = true));
    session.close();
    await expect(roots).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await hooks.aborted.promise).toBeInstanceOf(ConnectionClosedError);
    await session.drain();
    expect(out.messages.some((m) => !Array.isArray(m) && 'id' in m && m.id === 'w')).toBe(false);
    expect(closed).toBe(true);
    expect(session.state).toBe('closed');
    session.receive({ jsonrpc: '2.0', id: 99, method: 'ping' });
    expect(out.messages.some((m) => !Array.isArray(m) && 'id' in m && m.id === 99)).toBe(false);
  });
});
