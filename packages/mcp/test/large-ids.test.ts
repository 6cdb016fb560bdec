import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { Node } from '@erlmcp/otp';
import { type BatchEntry, createSuccessResponse, decodeFrame, InvalidRequestError, encodePayload } from '@erlmcp/mcp';
import { defineServer, listenTcp, listenTcpHosted, type McpServerDefinition } from '../src/server';
import { listenHttp, SessionHost } from '../src/hosting';
import { initialize, JSON_HEADERS, raw } from './helpers/http';

// JSON.parse reads 18446744073709551616 as 18446744073709552000: an answer built from the
// parsed value would carry an id the client never sent. The id's digits must come back.

const BIG = '18446744073709551616';
const ping = (id: string): string => `{"jsonrpc":"2.0","id":${id},"method":"ping"}`;
const INIT =
  '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}';
const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

/** A server whose `wait` tool runs until it is cancelled, and reports that it was. */
function waitingDefinition(cancelled: (reason: unknown) => void): McpServerDefinition {
  return defineServer({ name: 'large-ids', version: '1' })
    .tool({
      name: 'wait',
      handler: (_args, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            cancelled(ctx.signal.reason);
            reject(new Error('cancelled'));
          });
        }),
    })
    .build();
}

/** A server session whose output is kept as text, as a transport would write it. */
function textSession(
  definition: McpServerDefinition = defineServer({ name: 'large-ids', version: '1' }).build(),
  protocolVersion = '2025-11-25',
) {
  const sent: string[] = [];
  const session = definition.createSession({ send: (payload) => void sent.push(encodePayload(payload)) });
  session.receiveText(INIT.replace('2025-11-25', protocolVersion));
  session.receiveText(INITIALIZED);
  sent.length = 0;
  return { session, sent };
}

describe('ids beyond 2^53 come back digit for digit', () => {
  test('the codec decodes one as a bigint and encodes it back as the same digits', () => {
    const frame = decodeFrame(ping(BIG));
    expect(frame).toEqual({ kind: 'single', message: { jsonrpc: '2.0', id: BigInt(BIG), method: 'ping' } });
    expect(encodePayload(createSuccessResponse(BigInt(BIG), {}))).toBe(`{"id":${BIG},"jsonrpc":"2.0","result":{}}`);
    // Ids a double holds and prints back exactly stay numbers; fractions and exponents stay doubles.
    expect(decodeFrame(ping('9007199254740992'))).toMatchObject({ message: { id: 2 ** 53 } });
    // 2^60 is a double, but prints as 1152921504606847000: it comes back as a bigint.
    expect(decodeFrame(ping('1152921504606846976'))).toMatchObject({ message: { id: 2n ** 60n } });
    expect(decodeFrame(ping('1e30'))).toMatchObject({ message: { id: 1e30 } });
    // The key may be escaped, and of duplicate keys the last counts (as JSON.parse has it).
    expect(decodeFrame(`{"jsonrpc":"2.0","\\u0069d":${BIG},"method":"ping"}`)).toMatchObject({
      message: { id: BigInt(BIG) },
    });
    expect(decodeFrame(`{"jsonrpc":"2.0","id":1,"method":"ping","id" : -${BIG}}`)).toMatchObject({
      message: { id: -BigInt(BIG) },
    });
  });

  test('any integer id beyond 2^53 is answered with its own digits, and the session keeps serving', () => {
    const { session, sent } = textSession();
    const unsafe = fc.oneof(
      fc.bigInt({ min: 2n ** 53n, max: 2n ** 200n }),
      fc.bigInt({ min: -(2n ** 200n), max: -(2n ** 53n) }),
    );
    fc.assert(
      fc.property(unsafe, fc.constantFrom('ping', 'no/such'), (id, method) => {
        sent.length = 0;
        session.receiveText(`{"jsonrpc":"2.0","method":"${method}","id":${id}}`);
        expect(sent).toHaveLength(1);
        expect(/"id":(-?[0-9]+)[,}]/.exec(sent[0])?.[1]).toBe(id.toString());
      }),
      { numRuns: 500 },
    );
    sent.length = 0;
    session.receiveText(ping('7'));
    expect(sent).toEqual(['{"jsonrpc":"2.0","id":7,"result":{}}']);
  });

  test('found wherever the id stands among the members, in any layout, alone or in a batch; nothing else changes', () => {
    const unsafe = fc.oneof(
      fc.bigInt({ min: 2n ** 53n, max: 2n ** 100n }),
      fc.bigInt({ min: -(2n ** 100n), max: -(2n ** 53n) }),
    );
    const member = fc.record({
      id: unsafe,
      method: fc.oneof(fc.string({ maxLength: 8 }), fc.constant('notifications/cancelled')),
      params: fc.oneof(
        fc.constant(null),
        fc.jsonValue({ maxDepth: 3 }),
        fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      ),
      requestId: unsafe,
      order: fc.shuffledSubarray(['jsonrpc', 'id', 'method', 'params'], { minLength: 4 }),
    });
    /** What an id's digits decode to: a double when it prints back as the same digits (2^53 does), else a bigint. */
    const asDecoded = (id: bigint): number | bigint => (String(Number(id)) === id.toString() ? Number(id) : id);
    /** A message as text, its id (and a requestId in its params) written as digits. */
    type Member = { id: bigint; method: string; params: unknown; requestId: bigint; order: string[] };
    const text = (m: Member, space: string): string => {
      const params =
        typeof m.params === 'object' && m.params !== null && !Array.isArray(m.params)
          ? { ...m.params, requestId: '@requestId@' }
          : m.params;
      const values: Record<string, unknown> = { jsonrpc: '2.0', id: '@id@', method: m.method, params };
      const body = JSON.stringify(Object.fromEntries(m.order.map((key) => [key, values[key]])), null, space);
      return body.replace('"@id@"', m.id.toString()).replace('"@requestId@"', m.requestId.toString());
    };
    fc.assert(
      fc.property(
        fc.array(member, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom('', ' ', '\n\t'),
        (members, batch, space) => {
          const frame = batch ? `[${members.map((m) => text(m, space)).join(', ')}]` : text(members[0], space);
          let entries: BatchEntry[];
          try {
            const decoded = decodeFrame(frame, { allowBatch: true });
            entries = decoded.kind === 'batch' ? decoded.entries : [{ ok: true, message: decoded.message }];
          } catch (error) {
            // A single message refused (params null or a scalar): its error carries the id.
            expect(error).toBeInstanceOf(InvalidRequestError);
            entries = [{ ok: false, error: error as InvalidRequestError }];
          }
          expect(entries).toHaveLength(batch ? members.length : 1);
          entries.forEach((entry, index) => {
            const m = members[index];
            if (!entry.ok) {
              expect(entry.error.requestId).toBe(asDecoded(m.id));
              return;
            }
            expect((entry.message as { id?: unknown }).id).toBe(asDecoded(m.id));
            const params = (entry.message as { params?: unknown }).params;
            // Everything but the two ids is what JSON.parse reads.
            const parsed = JSON.parse(text(m, space)) as { params?: unknown };
            if (typeof params === 'object' && params !== null && !Array.isArray(params) && 'requestId' in params) {
              expect(params.requestId).toEqual(
                m.method === 'notifications/cancelled' ? asDecoded(m.requestId) : Number(m.requestId),
              );
              expect({ ...params, requestId: 0 }).toEqual({ ...(parsed.params as object), requestId: 0 });
            } else expect(params).toEqual(parsed.params);
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('an invalid request with such an id gets its error with that id', () => {
    const { session, sent } = textSession();
    session.receiveText(`{"jsonrpc":"1.0","id":${BIG},"method":"ping"}`);
    expect(JSON.parse(sent[0])).toMatchObject({ error: { code: -32600 } });
    expect(sent[0]).toContain(`"id":${BIG}`);
  });

  test('in a batch (2025-03-26), each member keeps its own id', () => {
    const { session, sent } = textSession(undefined, '2025-03-26');
    session.receiveText(`[${ping(BIG)}, ${ping('3')}, ${ping(`${BIG}1`)}]`);
    expect(sent).toEqual([
      `[{"id":${BIG},"jsonrpc":"2.0","result":{}},{"jsonrpc":"2.0","id":3,"result":{}},{"id":${BIG}1,"jsonrpc":"2.0","result":{}}]`,
    ]);
  });

  test('notifications/cancelled naming such an id cancels that request, not a neighbour that rounds to the same double', async () => {
    const reasons: unknown[] = [];
    const { session, sent } = textSession(waitingDefinition((reason) => reasons.push(reason)));
    const neighbour = '18446744073709551617';
    expect(Number(neighbour)).toBe(Number(BIG));
    session.receiveText(`{"jsonrpc":"2.0","id":${BIG},"method":"tools/call","params":{"name":"wait"}}`);
    session.receiveText(`{"jsonrpc":"2.0","id":${neighbour},"method":"tools/call","params":{"name":"wait"}}`);
    // Two requests, not "id already in use": their ids differ.
    expect(session.inFlightCount).toBe(2);
    session.receiveText(
      `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":${neighbour},"reason":"enough"}}`,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(reasons).toEqual(['enough']);
    expect(session.inFlightCount).toBe(1);
    expect(sent).toEqual([]);
    session.close();
  });
});

describe('ids beyond 2^53 on every transport that encodes responses', () => {
  let node: Node;

  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });

  afterEach(async () => {
    await node.stop();
  });

  const definition = (): McpServerDefinition => defineServer({ name: 'large-ids', version: '1' }).build();

  for (const responseMode of ['sse', 'json'] as const) {
    test(`Streamable HTTP (${responseMode})`, async () => {
      const server = await listenHttp(definition(), { responseMode });
      try {
        const session = await initialize(server.url);
        const res = await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': session }, ping(BIG));
        expect(res.status).toBe(200);
        expect(res.body).toContain(`{"id":${BIG},"jsonrpc":"2.0","result":{}}`);
        // Refused before it reaches a request: the 400 carries the id as well.
        const invalid = await raw(
          server.url,
          'POST',
          { ...JSON_HEADERS, 'mcp-session-id': session },
          `{"jsonrpc":"2.0","id":${BIG},"method":7}`,
        );
        expect(invalid.status).toBe(400);
        expect(invalid.body).toContain(`"id":${BIG}`);
      } finally {
        await server.close();
      }
    });
  }

  /** Sends lines on a socket and resolves with the first `count` lines back. */
  async function overTcp(port: number, lines: string[], count: number): Promise<string[]> {
    const socket = connect(port, '127.0.0.1');
    const received: string[] = [];
    const done = new Promise<string[]>((resolve) => {
      createInterface({ input: socket }).on('line', (line) => {
        received.push(line);
        if (received.length === count) resolve(received);
      });
    });
    socket.write(lines.map((line) => `${line}\n`).join(''));
    try {
      return await done;
    } finally {
      socket.destroy();
    }
  }

  test('NDJSON over TCP, unhosted (listenTcp)', async () => {
    const server = await listenTcp(definition());
    try {
      const lines = await overTcp(server.address.port, [INIT, INITIALIZED, ping(BIG)], 2);
      expect(lines[1]).toBe(`{"id":${BIG},"jsonrpc":"2.0","result":{}}`);
    } finally {
      await server.close();
    }
  });

  test('NDJSON over TCP, each connection a session process (listenTcpHosted)', async () => {
    const host = await new SessionHost(definition()).start();
    const server = await listenTcpHosted(host);
    try {
      const lines = await overTcp(server.address.port, [INIT, INITIALIZED, ping(`-${BIG}`)], 2);
      expect(lines[1]).toBe(`{"id":-${BIG},"jsonrpc":"2.0","result":{}}`);
    } finally {
      await server.close();
      await host.stop();
    }
  });

  test('WebSocket', async () => {
    const server = await listenHttp(definition(), { websocket: true });
    const ws = new WebSocket(server.wsUrl!, 'mcp');
    try {
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const received: string[] = [];
      const answered = new Promise<void>((resolve) =>
        ws.on('message', (data) => {
          received.push(data.toString());
          if (received.length === 2) resolve();
        }),
      );
      ws.send(INIT);
      ws.send(INITIALIZED);
      ws.send(ping(BIG));
      await answered;
      expect(received[1]).toBe(`{"id":${BIG},"jsonrpc":"2.0","result":{}}`);
    } finally {
      ws.close();
      await server.close();
    }
  });
});
