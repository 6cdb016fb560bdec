import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, LineSplitter } from '@erlmcp/mcp';
import { connectTcp, spawnStdioClient } from '../src/client';
import { listenTcp, serveStdio } from '../src/server';
import { fixtureDefinition, fixtureHooks } from './helpers/fixture';
import { jsFixture, REPO_ROOT, tsFixture } from './helpers/child';

/** Reads NDJSON lines from a stream and hands them out in order. */
function lineReader(stream: NodeJS.ReadableStream): () => Promise<Record<string, any>> {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  const splitter = new LineSplitter({
    maxLineBytes: 10 * 1024 * 1024,
    onLine: (line) => {
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    },
    onOversize: () => undefined,
  });
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  return () => {
    const line = lines.shift();
    return line !== undefined
      ? Promise.resolve(JSON.parse(line))
      : new Promise((resolve) => waiting.push((l) => resolve(JSON.parse(l))));
  };
}

const INIT =
  '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}';

describe('stdio, server side (in-process streams)', () => {
  test('serves NDJSON, answers garbage and oversize lines with errors, keeps going, closes at end of input', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const server = serveStdio(fixtureDefinition(), { stdin, stdout, maxLineBytes: 256 });
    const next = lineReader(stdout);
    stdin.write(`${INIT}\n`);
    expect((await next()).result.serverInfo.name).toBe('fixture-server');
    stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    stdin.write('this is not json\n');
    expect((await next()).error.code).toBe(ErrorCode.ParseError);
    stdin.write(
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"${'y'.repeat(400)}"}}}\n`,
    );
    const oversize = await next();
    expect(oversize).toEqual({
      jsonrpc: '2.0',
      error: {
        code: ErrorCode.InvalidRequest,
        message: expect.stringMatching(/exceeds the limit of 256 bytes/),
        data: expect.any(Object),
      },
    });
    // A request split across writes, with CRLF, right after the oversize line.
    stdin.write('{"jsonrpc":"2.0","id":2,"method":"tools/call",');
    stdin.write('"params":{"name":"echo","arguments":{"text":"ok"}}}\r\n');
    expect(await next()).toEqual({ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'ok' }] } });
    expect(server.session.state).toBe('ready');
    stdin.end();
    await server.closed;
    expect(server.session.state).toBe('closed');
  });

  test('end of input lets requests already read finish, then closes', async () => {
    const hooks = fixtureHooks();
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const server = serveStdio(fixtureDefinition(hooks), { stdin, stdout });
    const next = lineReader(stdout);
    stdin.write(`${INIT}\n`);
    expect((await next()).id).toBe(0);
    stdin.end('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"wait"}}\n');
    await hooks.started.promise;
    expect(server.session.state).not.toBe('closed');
    hooks.release.resolve();
    expect(await next()).toEqual({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'released' }] } });
    await server.closed;
    expect(server.session.state).toBe('closed');
  });
});

describe('stdio across processes', () => {
  test('spawnStdioClient drives our server in a child process', async () => {
    const fixture = tsFixture('stdio-server.ts');
    const { client, child, close } = await spawnStdioClient({
      ...fixture,
      clientInfo: { name: 'parent', version: '1' },
      stderr: 'inherit',
    });
    expect(client.serverInfo).toEqual({ name: 'stdio-fixture', version: '1.0.0' });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['echo', 'big', 'whoami']);
    expect((await client.callTool({ name: 'whoami' })).content).toEqual([
      { type: 'text', text: `parent pid ${child.pid}` },
    ]);
    const big = await client.callTool({ name: 'big', arguments: { bytes: 200_000 } });
    expect((big.content[0] as { text: string }).text).toHaveLength(200_000);
    await close();
    expect(child.exitCode).toBe(0);
    expect(client.state).toBe('closed');
  });

  test('spawnStdioClient drives the SDK stdio server', async () => {
    const { client, close } = await spawnStdioClient({
      ...jsFixture('sdk-stdio-server.cjs'),
      cwd: REPO_ROOT,
      clientInfo: { name: 'parent', version: '1' },
    });
    expect(client.serverInfo?.name).toBe('sdk-stdio');
    expect((await client.callTool({ name: 'shout', arguments: { text: 'hello' } })).content).toEqual([
      { type: 'text', text: 'HELLO' },
    ]);
    await close();
  });

  test('the SDK StdioClientTransport drives our server in a child process', async () => {
    const fixture = tsFixture('stdio-server.ts');
    const transport = new StdioClientTransport({
      command: fixture.command,
      args: fixture.args,
      env: fixture.env as Record<string, string>,
      stderr: 'inherit',
    });
    const client = new Client({ name: 'sdk-parent', version: '1' });
    await client.connect(transport);
    expect(client.getServerVersion()?.name).toBe('stdio-fixture');
    expect((await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } })).content).toEqual([
      { type: 'text', text: 'over stdio' },
    ]);
    expect((await client.callTool({ name: 'whoami' })).content).toEqual([
      { type: 'text', text: `sdk-parent pid ${transport.pid}` },
    ]);
    await client.close();
  });

  test('an oversize line to the child is answered with -32600 and the stream continues', async () => {
    const fixture = tsFixture('stdio-server.ts');
    const child = spawn(fixture.command, fixture.args, {
      env: { ...fixture.env, MAX_LINE_BYTES: '300' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const next = lineReader(child.stdout);
    child.stdin.write(`${INIT}\n`);
    expect((await next()).id).toBe(0);
    child.stdin.write(
      `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'p'.repeat(5000)}"}}\n{"jsonrpc":"2.0","id":2,"method":"ping"}\n`,
    );
    expect((await next()).error.code).toBe(ErrorCode.InvalidRequest);
    expect(await next()).toEqual({ jsonrpc: '2.0', id: 2, result: {} });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    expect(await exited).toBe(0);
  });
});

describe('TCP', () => {
  test('one session per connection, NDJSON framing, sessions end with their sockets', async () => {
    const tcp = await listenTcp(fixtureDefinition());
    const first = await connectTcp({ port: tcp.address.port, clientInfo: { name: 'first', version: '1' } });
    const second = await connectTcp({ port: tcp.address.port, clientInfo: { name: 'second', version: '1' } });
    expect(tcp.sessions.size).toBe(2);
    expect([...tcp.sessions].map((session) => session.clientInfo?.name).sort()).toEqual(['first', 'second']);
    expect((await first.client.callTool({ name: 'echo', arguments: { text: 'one' } })).content).toEqual([
      { type: 'text', text: 'one' },
    ]);
    expect((await second.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent).toEqual({
      sum: 2,
    });
    const [session] = [...tcp.sessions].filter((s) => s.clientInfo?.name === 'first');
    const ended = new Promise<void>((resolve) => session?.on('close', resolve));
    first.close();
    await ended;
    expect(tcp.sessions.size).toBe(1);
    const secondClosed = new Promise<void>((resolve) => second.client.on('close', resolve));
    await tcp.close();
    await secondClosed;
    expect(second.client.state).toBe('closed');
  });

  test('a raw socket sending oversize and broken lines still gets served', async () => {
    const tcp = await listenTcp(fixtureDefinition(), { maxLineBytes: 512 });
    const socket = connect(tcp.address.port, '127.0.0.1');
    const next = lineReader(socket);
    socket.write(`${INIT}\n${'z'.repeat(2000)}\n{"jsonrpc":"2.0","id":"p","method":"ping"}\n{broken\n`);
    // Frame errors are answered at once, requests when their handlers settle: compare as a set.
    const replies = [await next(), await next(), await next(), await next()];
    expect(replies.find((reply) => reply.id === 0)?.result.protocolVersion).toBe('2025-11-25');
    expect(replies).toContainEqual({ jsonrpc: '2.0', id: 'p', result: {} });
    expect(
      replies
        .filter((reply) => !('id' in reply))
        .map((reply) => reply.error.code)
        .sort(),
    ).toEqual([ErrorCode.ParseError, ErrorCode.InvalidRequest].sort());
    socket.destroy();
    await tcp.close();
  });
});
