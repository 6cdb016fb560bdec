import { Node } from '@erlmcp/otp';
import { type ContentBlock, encodePayload, type JsonRpcPayload } from '@erlmcp/mcp';
import { defineServer, type McpServerDefinition } from '../src/server';
import { listenHttp } from '../src/hosting';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

/** Tools whose results JSON cannot encode: a BigInt, a cycle. */
function definition(): McpServerDefinition {
  const cyclic = { type: 'text', text: 'loop' } as ContentBlock & { self?: unknown };
  cyclic.self = cyclic;
  return defineServer({ name: 'unencodable', version: '1' })
    .tool({
      name: 'bigint',
      handler: () => ({ content: [{ type: 'text', text: 'n', _meta: { n: 1n as unknown as number } }] }),
    })
    .tool({ name: 'cycle-later', handler: async () => ({ content: [cyclic] }) })
    .build();
}

const call = (id: number, name: string): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name } });
const internalError = (id: number): unknown => ({
  jsonrpc: '2.0',
  id,
  error: { code: -32603, message: expect.stringMatching(/could not be encoded as JSON/) },
});

describe('a result JSON cannot encode is answered with -32603, and the session keeps serving', () => {
  it('on a session whose transport encodes what it sends (NDJSON, WebSocket)', async () => {
    const sent: string[] = [];
    const errors: Error[] = [];
    const session = definition().createSession({
      send: (payload: JsonRpcPayload) => void sent.push(encodePayload(payload)),
      onError: (error) => errors.push(error),
    });
    session.receive({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
    session.receive(JSON.parse(call(1, 'bigint')) as JsonRpcPayload);
    session.receive(JSON.parse(call(2, 'cycle-later')) as JsonRpcPayload);
    await session.drain();
    session.receive({ jsonrpc: '2.0', id: 3, method: 'ping' });
    expect(sent.slice(1).map((text) => JSON.parse(text) as unknown)).toEqual([
      internalError(1),
      internalError(2),
      { jsonrpc: '2.0', id: 3, result: {} },
    ]);
    // The server's author hears of it.
    expect(errors).toHaveLength(2);
  });

  describe.each(['sse', 'json'] as const)('over Streamable HTTP (%s responses)', (responseMode) => {
    let node: Node;

    beforeEach(() => {
      node = Node.start({ schedulers: 1, logLevel: 'silent' });
    });

    afterEach(async () => {
      await node.stop();
    });

    it('answers the POST instead of leaving it open', async () => {
      const server = await listenHttp(definition(), { responseMode });
      try {
        const headers = { ...JSON_HEADERS, 'mcp-session-id': await initialize(server.url) };
        expect(messages(await raw(server.url, 'POST', headers, call(1, 'bigint')))).toEqual([internalError(1)]);
        expect(messages(await raw(server.url, 'POST', headers, call(2, 'cycle-later')))).toEqual([internalError(2)]);
        expect(
          messages(await raw(server.url, 'POST', headers, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }))),
        ).toEqual([{ jsonrpc: '2.0', id: 3, result: {} }]);
      } finally {
        await server.close();
      }
    });

    it('in a 2025-03-26 batch: that member only', async () => {
      const server = await listenHttp(definition(), { responseMode });
      try {
        const headers = { ...JSON_HEADERS, 'mcp-session-id': await initialize(server.url, {}, '2025-03-26') };
        // Answered in the order they settle: the asynchronous tool last.
        const batch = `[${call(1, 'cycle-later')},{"jsonrpc":"2.0","id":2,"method":"ping"},${call(3, 'bigint')}]`;
        expect(messages(await raw(server.url, 'POST', headers, batch))).toEqual([
          [{ jsonrpc: '2.0', id: 2, result: {} }, internalError(3), internalError(1)],
        ]);
      } finally {
        await server.close();
      }
    });
  });
});
