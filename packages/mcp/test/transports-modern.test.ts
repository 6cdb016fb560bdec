import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Node } from '@erlmcp/otp';
import { LineSplitter } from '@erlmcp/mcp';
import { listenTcp, serveStdio } from '../src/server';
import { listenHttp } from '../src/hosting';
import { fixtureDefinition } from './helpers/fixture';
import { tsFixture } from './helpers/child';

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
const line = (
  id: number,
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = META,
): string => JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } });

/** Parsed NDJSON lines of a stream, handed out in order. */
function reader(onChunk: (push: (chunk: Buffer | string) => void) => void): () => Promise<Record<string, any>> {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  const splitter = new LineSplitter({
    maxLineBytes: 1 << 20,
    onLine: (l) => (waiting.length > 0 ? waiting.shift()!(l) : void lines.push(l)),
    onOversize: () => undefined,
  });
  onChunk((chunk) => splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  return () => {
    const next = lines.shift();
    return next !== undefined
      ? Promise.resolve(JSON.parse(next))
      : new Promise((resolve) => waiting.push((l) => resolve(JSON.parse(l))));
  };
}

const serverInfo = { 'io.modelcontextprotocol/serverInfo': { name: 'fixture-server', version: '1.2.3' } };

describe('2026-07-28 requests on stdio, TCP and WebSocket', () => {
  test('stdio: served without initialize; bad _meta answered; then a 2025 initialize still works on the same process', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const server = serveStdio(fixtureDefinition(), { stdin, stdout });
    const next = reader((push) => stdout.on('data', push));
    stdin.write(`${line(1, 'tools/call', { name: 'echo', arguments: { text: 'hi' } })}\n`);
    expect(await next()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'hi' }], resultType: 'complete', _meta: serverInfo },
    });
    stdin.write(`${line(2, 'tools/list', {}, { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' })}\n`);
    expect((await next()).error).toMatchObject({ code: -32022, data: { requested: '2099-01-01' } });
    stdin.write(`${line(3, 'ping')}\n`);
    expect((await next()).error.code).toBe(-32601);
    stdin.write(`${line(4, 'server/discover', {}, { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' })}\n`);
    expect((await next()).error.code).toBe(-32602);
    expect(server.session.state).toBe('awaiting-initialize');
    stdin.write(
      '{"jsonrpc":"2.0","id":5,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}\n',
    );
    expect((await next()).result.protocolVersion).toBe('2025-11-25');
    // initialize chose the legacy era for this process: 2026 requests are now refused.
    stdin.write(`${line(6, 'tools/list')}\n`);
    expect((await next()).error).toMatchObject({
      code: -32022,
      data: { supported: ['2025-11-25'], requested: '2026-07-28' },
    });
    stdin.end();
    await server.closed;
  });

  describe('hosted transports', () => {
    let node: Node;
    beforeEach(() => {
      node = Node.start({ schedulers: 1, logLevel: 'silent' });
    });
    afterEach(async () => {
      await node.stop();
    });

    test('TCP: a stateless request on a fresh connection', async () => {
      const tcp = await listenTcp(fixtureDefinition());
      const socket = connect(tcp.address.port, '127.0.0.1');
      const next = reader((push) => socket.on('data', push));
      socket.write(`${line(1, 'server/discover')}\n`);
      expect((await next()).result).toMatchObject({
        supportedVersions: expect.arrayContaining(['2026-07-28']),
        resultType: 'complete',
        ttlMs: 0,
      });
      socket.write(`${line(2, 'tools/call', { name: 'add', arguments: { a: 1, b: 2 } })}\n`);
      expect((await next()).result).toMatchObject({ structuredContent: { sum: 3 }, resultType: 'complete' });
      socket.end();
      await tcp.close();
    });

    test('WebSocket: a stateless request', async () => {
      const http = await listenHttp(fixtureDefinition(), { websocket: true });
      const ws = new WebSocket(http.wsUrl!, 'mcp');
      const next = reader((push) => ws.on('message', (data: Buffer) => push(Buffer.concat([data, Buffer.from('\n')]))));
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(line(1, 'resources/read', { uri: 'memo://readme' }));
      expect((await next()).result).toMatchObject({
        contents: [{ text: 'Read me first.' }],
        resultType: 'complete',
        cacheScope: 'private',
      });
      ws.close();
      await http.close();
    });
  });

  test('the official 2.x client over stdio, versionNegotiation auto, stays modern', async () => {
    const fixture = tsFixture('stdio-server.ts');
    const client = new Client({ name: 'v2', version: '2.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const transport = new StdioClientTransport({
      command: fixture.command,
      args: fixture.args,
      env: fixture.env as Record<string, string>,
    });
    await client.connect(transport);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(client.getServerVersion()).toMatchObject({ name: 'stdio-fixture' });
      expect(await client.callTool({ name: 'echo', arguments: { text: 'modern' } })).toMatchObject({
        content: [{ type: 'text', text: 'modern' }],
      });
      expect(await client.callTool({ name: 'whoami', arguments: {} })).toMatchObject({
        content: [{ type: 'text', text: expect.stringMatching(/^v2 pid/) }],
      });
    } finally {
      await client.close();
    }
  }, 60_000);
});
