import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import { Node } from '@erlmcp/otp';
import { LineSplitter } from '@erlmcp/mcp';
import { listenTcp, serveStdio } from '../src/server';
import { listenHttp } from '../src/hosting';
import { fixtureDefinition } from './helpers/fixture';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

// A 2026-07-28 request on a 2025 session (basic/versioning.mdx: initialize chose legacy
// semantics for that session) gets the same answer on every transport: -32022 with
// `supported` naming the session's revision and `requested` the one the request named; on
// Streamable HTTP as one JSON body with status 400 (streamable-http.mdx: every
// UnsupportedProtocolVersionError is 400), whatever the response mode. The session keeps working.

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

const mismatch = (id: number, session: string, requested = '2026-07-28') => ({
  jsonrpc: '2.0',
  id,
  error: { code: -32022, message: 'Unsupported protocol version', data: { supported: [session], requested } },
});

/** The requests that claim 2026-07-28 on a 2025 session, with the error each must get. */
const claims = (session: string) => [
  {
    body: { jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'echo', arguments: {}, _meta: META } },
    answer: mismatch(11, session),
  },
  {
    // server/discover is a method only 2026-07-28 has, _meta or not.
    body: { jsonrpc: '2.0', id: 12, method: 'server/discover', params: {} },
    answer: mismatch(12, session),
  },
  {
    body: {
      jsonrpc: '2.0',
      id: 13,
      method: 'tools/list',
      params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
    },
    answer: mismatch(13, session, '2099-01-01'),
  },
];

const echo = (id: number, text: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text } },
});

/** NDJSON (or one-message-per-frame) reader: parsed messages, handed out in order. */
function reader(onChunk: (push: (chunk: Buffer) => void) => void): () => Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  const splitter = new LineSplitter({
    maxLineBytes: 1 << 20,
    onLine: (l) => (waiting.length > 0 ? waiting.shift()!(l) : void lines.push(l)),
    onOversize: () => undefined,
  });
  onChunk((chunk) => splitter.push(chunk));
  return () => {
    const next = lines.shift();
    return next !== undefined
      ? Promise.resolve(JSON.parse(next) as Record<string, unknown>)
      : new Promise((resolve) => waiting.push((l) => resolve(JSON.parse(l) as Record<string, unknown>)));
  };
}

const INITIALIZE = (version: string) => ({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** Drives one line-based 2025 session (stdio, TCP, WebSocket) through the claims, then an echo. */
async function lineSession(
  send: (message: unknown) => void,
  next: () => Promise<Record<string, unknown>>,
  version: string,
): Promise<void> {
  send(INITIALIZE(version));
  expect(((await next()).result as { protocolVersion: string }).protocolVersion).toBe(version);
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  for (const { body, answer } of claims(version)) {
    send(body);
    expect(await next()).toEqual(answer);
    // Still the 2025 session it was.
    send(echo(body.id + 100, `after ${body.method}`));
    expect((await next()).result).toEqual({ content: [{ type: 'text', text: `after ${body.method}` }] });
  }
}

describe('a 2026-07-28 request on a 2025 session: -32022 on every transport', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  for (const responseMode of ['sse', 'json'] as const) {
    test(`Streamable HTTP (${responseMode} replies): HTTP 400, one JSON body, the session keeps working`, async () => {
      const server = await listenHttp(fixtureDefinition(), { responseMode });
      try {
        const session = await initialize(server.url, {}, '2025-06-18');
        const headers = { ...JSON_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
        for (const { body, answer } of claims('2025-06-18')) {
          const res = await raw(server.url, 'POST', headers, JSON.stringify(body));
          expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
            status: 400,
            type: 'application/json',
          });
          expect(res.headers['mcp-session-id']).toBe(session);
          expect(JSON.parse(res.body)).toEqual(answer);
          const after = await raw(server.url, 'POST', headers, JSON.stringify(echo(body.id + 100, 'still here')));
          expect(after.status).toBe(200);
          expect(messages(after)).toEqual([
            { jsonrpc: '2.0', id: body.id + 100, result: { content: [{ type: 'text', text: 'still here' }] } },
          ]);
        }
        // A plain 2025 body whose MCP-Protocol-Version header says 2026-07-28: the same error.
        const byHeader = await raw(
          server.url,
          'POST',
          { ...headers, 'mcp-protocol-version': '2026-07-28' },
          JSON.stringify(echo(20, 'header')),
        );
        expect(byHeader.status).toBe(400);
        expect(JSON.parse(byHeader.body)).toEqual(mismatch(20, '2025-06-18'));
        const after = await raw(server.url, 'POST', headers, JSON.stringify(echo(21, 'still')));
        expect(messages(after)).toEqual([
          { jsonrpc: '2.0', id: 21, result: { content: [{ type: 'text', text: 'still' }] } },
        ]);
        // And a stateless 2026-07-28 request beside it is served.
        const modern = await raw(
          server.url,
          'POST',
          { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
          JSON.stringify({ ...claims('x')[0]!.body, params: { name: 'echo', arguments: { text: 'm' }, _meta: META } }),
        );
        expect(modern.status).toBe(200);
        expect(messages(modern)[0]).toMatchObject({ result: { resultType: 'complete', content: [{ text: 'm' }] } });
      } finally {
        await server.close();
      }
    });
  }

  test('WebSocket: the same error, the session keeps working', async () => {
    const server = await listenHttp(fixtureDefinition(), { websocket: true });
    const ws = new WebSocket(server.wsUrl!, 'mcp');
    try {
      const next = reader((push) => ws.on('message', (data: Buffer) => push(Buffer.concat([data, Buffer.from('\n')]))));
      await new Promise((resolve) => ws.once('open', resolve));
      await lineSession((message) => ws.send(JSON.stringify(message)), next, '2025-11-25');
    } finally {
      ws.close();
      await server.close();
    }
  });

  test('TCP: the same error, the session keeps working', async () => {
    const tcp = await listenTcp(fixtureDefinition());
    const socket = connect(tcp.address.port, '127.0.0.1');
    try {
      const next = reader((push) => socket.on('data', push));
      await lineSession((message) => socket.write(`${JSON.stringify(message)}\n`), next, '2025-03-26');
    } finally {
      socket.end();
      await tcp.close();
    }
  });

  test('stdio: the same error, the session keeps working', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const server = serveStdio(fixtureDefinition(), { stdin, stdout });
    const next = reader((push) => stdout.on('data', push));
    await lineSession((message) => stdin.write(`${JSON.stringify(message)}\n`), next, '2025-11-25');
    stdin.end();
    await server.closed;
  });
});
