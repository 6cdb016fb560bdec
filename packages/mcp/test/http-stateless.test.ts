import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { fixtureDefinition } from './helpers/fixture';
import { initialize, JSON_HEADERS, messages, raw, type RawResponse } from './helpers/http';

const V = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientCapabilities': {} };

/** A 2026-07-28 request: its `_meta` in the body and its standard headers, both derived the same way. */
function modern(
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
  id: number | string = 1,
) {
  const body = { jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...META, ...meta } } };
  const headers: Record<string, string> = {
    ...JSON_HEADERS,
    'mcp-protocol-version': String(body.params._meta['io.modelcontextprotocol/protocolVersion']),
    'mcp-method': method,
  };
  const name =
    method === 'resources/read'
      ? params.uri
      : method === 'tools/call' || method === 'prompts/get'
        ? params.name
        : undefined;
  if (typeof name === 'string') headers['mcp-name'] = name;
  return { body, headers };
}

describe('Streamable HTTP, revision 2026-07-28: stateless requests beside 2025 sessions', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const definition = fixtureDefinition().addTool<{ region: string; shard?: number; flags?: { fast?: boolean } }>({
      name: 'execute_sql',
      inputSchema: {
        type: 'object',
        properties: {
          region: { type: 'string', 'x-mcp-header': 'Region' },
          shard: { type: 'integer', 'x-mcp-header': 'Shard' },
          flags: { type: 'object', properties: { fast: { type: 'boolean', 'x-mcp-header': 'Fast' } } },
        },
        required: ['region'],
      },
      handler: ({ region }) => ({ content: [{ type: 'text', text: `ran in ${region}` }] }),
    });
    server = await listenHttp(definition);
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  const send = (
    request: { body: unknown; headers: Record<string, string> },
    headers: Record<string, string | undefined> = {},
  ): Promise<RawResponse> => {
    const merged: Record<string, string> = { ...request.headers };
    for (const [key, value] of Object.entries(headers)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    return raw(server.url, 'POST', merged, JSON.stringify(request.body));
  };
  const json = (
    res: RawResponse,
  ): { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } } =>
    JSON.parse(res.body);
  const serverInfo = { 'io.modelcontextprotocol/serverInfo': { name: 'fixture-server', version: '1.2.3' } };

  it('answers a tools/call with no session: resultType and serverInfo on the result, one JSON body', async () => {
    const res = await send(modern('tools/call', { name: 'echo', arguments: { text: 'hi' } }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['mcp-session-id']).toBeUndefined();
    expect(json(res)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'hi' }], resultType: 'complete', _meta: serverInfo },
    });
    expect(server.host.registry.size).toBe(0);
  });

  it('server/discover lists every revision and the capabilities (change notifications through subscriptions/listen)', async () => {
    const result = json(await send(modern('server/discover'))).result;
    expect(result).toEqual({
      supportedVersions: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'],
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
      instructions: 'Use the tools.',
      ttlMs: 0,
      cacheScope: 'private',
      resultType: 'complete',
      _meta: serverInfo,
    });
  });

  it('puts ttlMs and cacheScope on the cacheable results, and lists tools in the same order every time', async () => {
    const first = json(await send(modern('tools/list'))).result!;
    expect(first).toMatchObject({ ttlMs: 0, cacheScope: 'private', resultType: 'complete' });
    const second = json(await send(modern('tools/list'))).result!;
    expect((second.tools as { name: string }[]).map((t) => t.name)).toEqual(
      (first.tools as { name: string }[]).map((t) => t.name),
    );
    expect(json(await send(modern('resources/read', { uri: 'memo://readme' }))).result).toMatchObject({
      ttlMs: 0,
      cacheScope: 'private',
    });
    // tools/call is not cacheable.
    expect(
      json(await send(modern('tools/call', { name: 'echo', arguments: { text: 'x' } }))).result,
    ).not.toHaveProperty('ttlMs');
  });

  it('an unsupported version is 400 with -32022 and the supported list', async () => {
    const res = await send(modern('tools/list', {}, { 'io.modelcontextprotocol/protocolVersion': '1900-01-01' }));
    expect(res.status).toBe(400);
    expect(json(res)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32022,
        message: 'Unsupported protocol version',
        data: {
          supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'],
          requested: '1900-01-01',
        },
      },
    });
  });

  it('missing or malformed _meta fields are -32602 with HTTP 400 and the request id, and the server goes on serving', async () => {
    const noCaps = modern('tools/list');
    delete (noCaps.body.params._meta as Record<string, unknown>)['io.modelcontextprotocol/clientCapabilities'];
    const refused = await send(noCaps);
    expect(refused.status).toBe(400);
    expect(json(refused)).toMatchObject({ id: noCaps.body.id, error: { code: -32602 } });
    // Told 2026-07-28 by its header (or by server/discover, a method only that revision has) but
    // without _meta, or without the version in it: malformed, not a 2025 request wanting a session.
    const headerOnly = modern('server/discover');
    for (const params of [{}, { _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } }]) {
      const res = await send({ ...headerOnly, body: { ...headerOnly.body, id: 77, params } });
      expect(res.status).toBe(400);
      expect(json(res)).toMatchObject({ id: 77, error: { code: -32602 } });
      const bare = await raw(
        server.url,
        'POST',
        JSON_HEADERS,
        JSON.stringify({ jsonrpc: '2.0', id: 78, method: 'server/discover', params }),
      );
      expect(bare.status).toBe(400);
      expect(json(bare)).toMatchObject({ id: 78, error: { code: -32602 } });
    }
    expect(
      json(await send(modern('tools/list', {}, { 'io.modelcontextprotocol/clientCapabilities': [] }))).error,
    ).toMatchObject({ code: -32602 });
    expect(
      json(await send(modern('tools/list', {}, { 'io.modelcontextprotocol/logLevel': 'loud' }))).error,
    ).toMatchObject({ code: -32602 });
    expect(
      json(await send(modern('tools/list', {}, { 'io.modelcontextprotocol/clientInfo': { name: 1 } }))).error,
    ).toMatchObject({ code: -32602 });
    expect(json(await send(modern('tools/list'))).result).toHaveProperty('tools');
  });

  it('headers that disagree with the body, or are missing, are 400 with -32020', async () => {
    const call = modern('tools/call', { name: 'echo', arguments: { text: 'x' } });
    const cases: Record<string, string | undefined>[] = [
      { 'mcp-method': 'tools/list' },
      { 'mcp-method': undefined },
      { 'mcp-name': 'add' },
      { 'mcp-name': undefined },
      { 'mcp-protocol-version': '2025-11-25' },
      { 'mcp-protocol-version': undefined },
      { 'mcp-name': '=?base64?not base64?=' },
    ];
    for (const headers of cases) {
      const res = await send(call, headers);
      expect({ headers, status: res.status, code: json(res).error?.code }).toEqual({
        headers,
        status: 400,
        code: -32020,
      });
    }
    // The Base64 sentinel is decoded before comparing.
    const encoded = await send(call, { 'mcp-name': `=?base64?${Buffer.from('echo').toString('base64')}?=` });
    expect(json(encoded).result).toMatchObject({ resultType: 'complete' });
  });

  it('checks Mcp-Param headers named by x-mcp-header against the arguments', async () => {
    const call = modern('tools/call', {
      name: 'execute_sql',
      arguments: { region: 'us-west1', shard: 42, flags: { fast: true } },
    });
    const good = { 'mcp-param-region': 'us-west1', 'mcp-param-shard': '42.0', 'mcp-param-fast': 'true' };
    expect(json(await send(call, good)).result).toMatchObject({ content: [{ text: 'ran in us-west1' }] });
    for (const bad of [
      { 'mcp-param-region': undefined },
      { 'mcp-param-region': 'eu' },
      { 'mcp-param-shard': '41' },
      { 'mcp-param-fast': 'false' },
      { 'mcp-param-shard': '' },
    ]) {
      const res = await send(call, { ...good, ...bad });
      expect({ bad, status: res.status, code: json(res).error?.code }).toEqual({ bad, status: 400, code: -32020 });
    }
    // Values not in the arguments need no header.
    const bare = modern('tools/call', { name: 'execute_sql', arguments: { region: 'Hello, 世界' } });
    expect(
      json(await send(bare, { 'mcp-param-region': `=?base64?${Buffer.from('Hello, 世界').toString('base64')}?=` }))
        .result,
    ).toMatchObject({ resultType: 'complete' });
    // Without the `?=` suffix (or the prefix) a value is literal, not Base64 ("Value Encoding").
    for (const literal of ['=?base64?SGVsbG8=', 'base64?SGVsbG8=?=', '=?base64?=']) {
      const call = modern('tools/call', { name: 'execute_sql', arguments: { region: literal } });
      expect(json(await send(call, { 'mcp-param-region': literal })).result).toMatchObject({ resultType: 'complete' });
    }
    // With both, a value that is not Base64 is malformed.
    const broken = await send(modern('tools/call', { name: 'execute_sql', arguments: { region: 'x' } }), {
      'mcp-param-region': '=?base64?not*base64?=',
    });
    expect([broken.status, json(broken).error?.code]).toEqual([400, -32020]);
  });

  it('ping, logging/setLevel, resources/subscribe and initialize (with 2026 _meta) are not 2026-07-28 methods: 404 with -32601', async () => {
    for (const method of ['ping', 'logging/setLevel', 'resources/subscribe', 'initialize', 'no/such-method']) {
      const res = await send(modern(method, { level: 'info', uri: 'memo://readme' }));
      expect({ method, status: res.status, code: json(res).error?.code }).toEqual({
        method,
        status: 404,
        code: -32601,
      });
    }
  });

  it('an unknown resource is -32602 (2025 sessions keep -32002)', async () => {
    expect(json(await send(modern('resources/read', { uri: 'memo://nothing' }))).error).toMatchObject({
      code: -32602,
      data: { uri: 'memo://nothing' },
    });
  });

  it("sends notifications/message only when the request asks for a level, on the request's own stream", async () => {
    const silent = await send(modern('tools/call', { name: 'log' }));
    expect(silent.headers['content-type']).toBe('application/json');
    expect(messages(silent)).toEqual([
      expect.objectContaining({ id: 1, result: expect.objectContaining({ resultType: 'complete' }) }),
    ]);
    const loud = await send(modern('tools/call', { name: 'log' }, { 'io.modelcontextprotocol/logLevel': 'warning' }));
    expect(loud.headers['content-type']).toBe('text/event-stream');
    expect(loud.headers['x-accel-buffering']).toBe('no');
    const sent = messages(loud) as { method?: string; params?: { level: string }; id?: unknown }[];
    expect(sent.map((m) => m.method ?? 'response')).toEqual([
      'notifications/message',
      'notifications/message',
      'response',
    ]);
    expect(sent.slice(0, 2).map((m) => m.params?.level)).toEqual(['warning', 'error']);
  });

  it("sends progress on the request's own stream when it carries a progressToken", async () => {
    const res = await send(modern('tools/call', { name: 'progress', arguments: { steps: 2 } }, { progressToken: 'p' }));
    const sent = messages(res) as { method?: string; params?: { progress: number } }[];
    expect(sent.map((m) => m.method ?? 'response')).toEqual([
      'notifications/progress',
      'notifications/progress',
      'response',
    ]);
    expect(sent.slice(0, 2).map((m) => m.params?.progress)).toEqual([1, 2]);
  });

  it("a 2026-07-28 request on a 2025 session gets -32022 naming the session's revision; both keep working", async () => {
    const session = await initialize(server.url);
    const res = await send(modern('tools/list'), { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
    expect(res.status).toBe(400);
    expect(messages(res)).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32022,
          message: 'Unsupported protocol version',
          data: { supported: ['2025-11-25'], requested: '2026-07-28' },
        },
      },
    ]);
    const legacy = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    );
    expect(messages(legacy)).toEqual([
      expect.objectContaining({ id: 2, result: expect.objectContaining({ tools: expect.any(Array) }) }),
    ]);
    expect(json(await send(modern('tools/list'))).result).toHaveProperty('tools');
  });

  it('a request without a session and without 2026 _meta still needs initialize', async () => {
    const res = await raw(
      server.url,
      'POST',
      JSON_HEADERS,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    );
    expect(res.status).toBe(400);
    expect(json(res).error?.code).toBe(-32000);
  });
});
