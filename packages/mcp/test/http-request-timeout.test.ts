import { connect, type Socket } from 'node:net';
import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { eventually } from './helpers/backpressure';
import { fixtureDefinition, fixtureHooks } from './helpers/fixture';
import { JSON_HEADERS } from './helpers/http';

// A client that keeps trickling a body after it was answered, ignoring the end of our side
// (a half-open socket), must still lose its connection: a socket we only end stays open for
// as long as the client keeps sending.

/** A half-open-capable client that sends the head of a POST and then a byte every few ms. */
function trickler(
  server: McpHttpServer,
  path: string,
  headers: Record<string, string>,
): { socket: Socket; received: () => string; stop: () => void } {
  const socket = connect({ port: server.address.port, host: '127.0.0.1', allowHalfOpen: true });
  const lines = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${server.address.port}`, 'Content-Length: 1000000'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n{`);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(' ');
  }, 5);
  return { socket, received: () => text, stop: () => clearInterval(timer) };
}

describe('listenHttp: a client that keeps trickling a body after it was answered', () => {
  let node: Node;
  let server: McpHttpServer;
  /** Server-side sockets, in the order they were accepted. */
  const accepted: Socket[] = [];

  beforeAll(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(fixtureDefinition(fixtureHooks()), { bodyTimeoutMs: 100 });
    server.server.on('connection', (socket: Socket) => accepted.push(socket));
  });

  afterAll(async () => {
    await server.close();
    await node.stop();
  });

  /** Resolves once `socket` is destroyed or only its peer can end it (our side finished, not destroyed). */
  const settled = (socket: Socket): Promise<void> => eventually(() => socket.destroyed || socket.writableFinished);

  it('on the MCP endpoint, the 408 is followed by closing the socket, not just ending our side', async () => {
    const client = trickler(server, '/mcp', JSON_HEADERS);
    try {
      await eventually(() => accepted.length === 1);
      const socket = accepted[0] as Socket;
      await settled(socket);
      expect(socket.destroyed).toBe(true);
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      client.stop();
      client.socket.destroy();
    }
  });

  it('elsewhere, when node reports the request timeout (the backstop), the socket is closed, not just ended', async () => {
    const client = trickler(server, '/elsewhere', { 'Content-Type': 'text/plain' });
    try {
      await eventually(() => accepted.length === 2 && client.received().startsWith('HTTP/1.1 404 '));
      const socket = accepted[1] as Socket;
      // What node's connection check does when requestTimeout passes: a clientError with
      // ERR_HTTP_REQUEST_TIMEOUT for the socket (its interval is 30 s, too long to wait for here).
      server.server.emit(
        'clientError',
        Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
        socket,
      );
      await settled(socket);
      expect(socket.destroyed).toBe(true);
      // After the 404 it was given, the timeout is answered as node would: 408, then closed.
      await eventually(() => /\r\n\r\nHTTP\/1\.1 408 /.test(client.received()) || client.socket.readableEnded);
      expect(client.received()).toMatch(/HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      client.stop();
      client.socket.destroy();
    }
  });
});
