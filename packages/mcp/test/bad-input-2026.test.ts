import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { defineServer } from '../src/server';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

// Issue #20, "Bad input": each shape the issue names, sent one after another to one Streamable
// HTTP server, gets the revision's error; after each, a 2025 session, a stateless client and a
// handle's owner are all still served, and the handle's state is intact.

const V = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientCapabilities': {} };

type Answer = { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } };

function definition() {
  return defineServer({ name: 'bad-input', version: '1.0.0' })
    .tool<{ cart?: string; add?: string }>({
      name: 'cart',
      inputSchema: { type: 'object', properties: { cart: { type: 'string' }, add: { type: 'string' } } },
      handler: ({ cart, add }, ctx) => {
        const handle = cart ?? ctx.handles.create([]);
        const items = ctx.handles.get<string[]>(handle);
        if (add !== undefined) ctx.handles.set(handle, [...items, add]);
        return { structuredContent: { cart: handle, items: ctx.handles.get<string[]>(handle) } };
      },
    })
    .tool({
      name: 'ask',
      handler: (_args, ctx) =>
        ctx.inputResponses === undefined
          ? ctx.inputRequired!({ who: { method: 'roots/list' } }, { by: 'server' })
          : { content: [{ type: 'text', text: 'answered' }] },
    })
    .tool({ name: 'echo', handler: () => ({ content: [{ type: 'text', text: 'echo' }] }) })
    .tool({ name: 'job', task: 'optional', handler: () => ({ content: [{ type: 'text', text: 'job' }] }) })
    .build();
}

/** A 2026-07-28 POST whose headers match its body unless `headers` overrides them. */
function post(
  url: string,
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string | undefined> = {},
  id: number | string = 1,
) {
  const merged: Record<string, string> = { ...JSON_HEADERS, 'mcp-protocol-version': V, 'mcp-method': method };
  if (typeof params.name === 'string') merged['mcp-name'] = params.name;
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return raw(url, 'POST', merged, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
}

describe('2026-07-28 bad input over Streamable HTTP: the revision errors, everyone else still served', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeAll(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(definition());
  });

  afterAll(async () => {
    await server.close();
    await node.stop();
  });

  it('answers each bad request with its error and keeps serving a session, a stateless client and a handle', async () => {
    const session = await initialize(server.url);
    const alice = { authorization: 'Bearer alice' };
    const made = JSON.parse(
      (await post(server.url, 'tools/call', { name: 'cart', arguments: { add: 'tea' }, _meta: META }, alice)).body,
    ) as Answer;
    const cart = (made.result!.structuredContent as { cart: string }).cart;
    const asked = JSON.parse(
      (
        await post(server.url, 'tools/call', {
          name: 'ask',
          arguments: {},
          _meta: { ...META, 'io.modelcontextprotocol/clientCapabilities': { roots: {} } },
        })
      ).body,
    ) as Answer;
    const state = asked.result!.requestState as string;
    const tampered = state.slice(0, 10) + (state[10] === 'A' ? 'B' : 'A') + state.slice(11);

    const cases: { name: string; send: () => ReturnType<typeof raw>; status: number; code: number }[] = [
      {
        name: 'missing _meta (the header says 2026-07-28)',
        send: () => post(server.url, 'tools/call', { name: 'echo', arguments: {} }, {}, 'm1'),
        status: 400,
        code: -32602,
      },
      {
        name: 'malformed _meta (capabilities not an object)',
        send: () =>
          post(
            server.url,
            'tools/call',
            { name: 'echo', arguments: {}, _meta: { ...META, 'io.modelcontextprotocol/clientCapabilities': [] } },
            {},
            'm2',
          ),
        status: 400,
        code: -32602,
      },
      {
        name: 'Mcp-Method disagreeing with the body',
        send: () =>
          post(server.url, 'tools/call', { name: 'echo', arguments: {}, _meta: META }, { 'mcp-method': 'tools/list' }),
        status: 400,
        code: -32020,
      },
      {
        name: 'Mcp-Name disagreeing with the body',
        send: () =>
          post(server.url, 'tools/call', { name: 'echo', arguments: {}, _meta: META }, { 'mcp-name': 'cart' }),
        status: 400,
        code: -32020,
      },
      {
        name: 'an unknown extension request',
        send: () => post(server.url, 'com.example/frobnicate', { _meta: META }),
        status: 404,
        code: -32601,
      },
      {
        name: 'a removed tasks method (tasks/list)',
        send: () =>
          post(server.url, 'tasks/list', {
            _meta: {
              ...META,
              'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
            },
          }),
        status: 404,
        code: -32601,
      },
      {
        name: 'a tampered requestState',
        send: () =>
          post(server.url, 'tools/call', {
            name: 'ask',
            arguments: {},
            inputResponses: { who: { roots: [] } },
            requestState: tampered,
            _meta: { ...META, 'io.modelcontextprotocol/clientCapabilities': { roots: {} } },
          }),
        status: 200,
        code: -32602,
      },
      {
        name: "another client's handle",
        send: () =>
          post(
            server.url,
            'tools/call',
            { name: 'cart', arguments: { cart, add: 'stolen' }, _meta: META },
            {
              authorization: 'Bearer mallory',
            },
          ),
        status: 200,
        code: -32602,
      },
      {
        name: 'a 2026-07-28 request on a 2025 session',
        send: () =>
          post(server.url, 'tools/call', { name: 'echo', arguments: {}, _meta: META }, { 'mcp-session-id': session }),
        // As every UnsupportedProtocolVersionError on HTTP: one JSON body, status 400.
        status: 400,
        code: -32022,
      },
    ];

    for (const [n, bad] of cases.entries()) {
      const res = await bad.send();
      const answer = messages(res)[0] as Answer;
      expect({ case: bad.name, status: res.status, code: answer.error?.code }).toEqual({
        case: bad.name,
        status: bad.status,
        code: bad.code,
      });
      // Everyone else, after each: the 2025 session, a stateless call, and the handle's owner.
      const legacy = await raw(
        server.url,
        'POST',
        { ...JSON_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
        JSON.stringify({ jsonrpc: '2.0', id: 100 + n, method: 'tools/call', params: { name: 'echo', arguments: {} } }),
      );
      expect((messages(legacy)[0] as Answer).result).toMatchObject({ content: [{ text: 'echo' }] });
      const stateless = JSON.parse(
        (await post(server.url, 'tools/call', { name: 'echo', arguments: {}, _meta: META })).body,
      ) as Answer;
      expect(stateless.result).toMatchObject({ resultType: 'complete', content: [{ text: 'echo' }] });
      const owner = JSON.parse(
        (await post(server.url, 'tools/call', { name: 'cart', arguments: { cart }, _meta: META }, alice)).body,
      ) as Answer;
      expect(owner.result!.structuredContent).toEqual({ cart, items: ['tea'] });
    }
    // The untampered state still works.
    const retry = JSON.parse(
      (
        await post(server.url, 'tools/call', {
          name: 'ask',
          arguments: {},
          inputResponses: { who: { roots: [] } },
          requestState: state,
          _meta: { ...META, 'io.modelcontextprotocol/clientCapabilities': { roots: {} } },
        })
      ).body,
    ) as Answer;
    expect(retry.result).toMatchObject({ content: [{ text: 'answered' }] });
  });
});
