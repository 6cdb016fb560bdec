import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { Node } from '@erlmcp/otp';
import { MCP_WS_SUBPROTOCOL, OutboundOverflowError } from '@erlmcp/mcp';
import { connectWebSocket } from '../src/client';
import {
  createWebSocketHandler,
  OVERFLOW_CLOSE_CODE,
  type WebSocketConnectionState,
  type WebSocketUpgradeHandler,
} from '../src/server';
import { SessionHost } from '../src/hosting';
import { backpressureDefinition, callLine, eventually, INIT_LINE, INITIALIZED_LINE } from './helpers/backpressure';

const HIGH_WATER = 64 * 1024;
const MAX = 1024 * 1024;

describe('WebSocket: a client that stops reading', () => {
  let node: Node;
  let host: SessionHost;
  let server: Server;
  let handler: WebSocketUpgradeHandler;
  let url: string;
  let errors: Error[];
  /** The server side of each accepted connection, as the upgrade handed it over. */
  let upgraded: Duplex[];

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    host = await new SessionHost(backpressureDefinition()).start();
    errors = [];
    handler = createWebSocketHandler(host, {
      outboundHighWaterBytes: HIGH_WATER,
      maxOutboundBytes: MAX,
      onError: (error) => errors.push(error),
    });
    server = createServer();
    upgraded = [];
    server.on('upgrade', (req, socket, head) => {
      upgraded.push(socket);
      if (!handler(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  });

  afterEach(async () => {
    handler.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await host.stop();
    await node.stop();
  });

  /** A raw client, initialized, that can stop reading. */
  async function rawClient(): Promise<{
    ws: WebSocket;
    received: Record<string, unknown>[];
    closed: Promise<[number, string]>;
  }> {
    const ws = new WebSocket(url, MCP_WS_SUBPROTOCOL);
    const received: Record<string, unknown>[] = [];
    ws.on('message', (data) => received.push(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.on('error', () => undefined);
    const closed = new Promise<[number, string]>((resolve) =>
      ws.once('close', (code, reason) => resolve([code, reason.toString()])),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(INIT_LINE);
    await eventually(() => received.length === 1);
    ws.send(INITIALIZED_LINE);
    return { ws, received, closed };
  }

  async function onlyConnection(): Promise<WebSocketConnectionState> {
    await eventually(() => handler.connections().length === 1);
    return handler.connections()[0];
  }

  const calls = 1000;

  /** A client that stops reading and sends `calls` calls with big answers, once the server has paused its connection. */
  async function pausedWithCalls(): Promise<{
    client: Awaited<ReturnType<typeof rawClient>>;
    connection: WebSocketConnectionState;
  }> {
    const client = await rawClient();
    const connection = await onlyConnection();
    client.ws.pause();
    for (let i = 1; i <= calls; i++) client.ws.send(callLine(i, 'blob'));
    await eventually(() => connection.readingPaused);
    return { client, connection };
  }

  it('stops reading its messages while its answers wait unread, keeps the buffer bounded, and loses nothing', async () => {
    const { client, connection } = await pausedWithCalls();
    for (let i = 0; i < 20; i++) {
      expect(connection.bufferedBytes).toBeLessThanOrEqual(MAX);
      expect(connection.readingPaused).toBe(true);
      expect(connection.closeReason).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const other = await connectWebSocket({ url, clientInfo: { name: 'bystander', version: '1' } });
    expect(await other.client.callTool({ name: 'echo', arguments: { text: 'still here' } })).toEqual({
      content: [{ type: 'text', text: 'still here' }],
    });
    await other.close();

    client.ws.resume();
    await eventually(() => client.received.length === calls + 1);
    expect(client.received.slice(1).map((message) => message.id)).toEqual(
      Array.from({ length: calls }, (_, i) => i + 1),
    );
    await eventually(() => !connection.readingPaused);
    expect(errors).toEqual([]);
    client.ws.terminate();
  }, 60_000);

  it('closes the connection with 1008 and OutboundOverflowError when output it did not ask for passes the hard cap', async () => {
    const client = await rawClient();
    const connection = await onlyConnection();
    client.ws.pause();
    client.ws.send(callLine(1, 'flood'));
    await eventually(() => connection.closeReason !== undefined);
    expect(connection.closeReason).toBeInstanceOf(OutboundOverflowError);
    expect(errors).toEqual([connection.closeReason]);
    // Once closing, nothing more is queued for it.
    const after = connection.bufferedBytes;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connection.bufferedBytes).toBeLessThanOrEqual(after);

    const other = await connectWebSocket({ url, clientInfo: { name: 'bystander', version: '1' } });
    expect(await other.client.callTool({ name: 'echo', arguments: { text: 'unaffected' } })).toEqual({
      content: [{ type: 'text', text: 'unaffected' }],
    });
    await other.close();

    // Reading again, the client gets what was queued, then the close frame with its reason.
    client.ws.resume();
    const [code, reason] = await client.closed;
    expect(code).toBe(OVERFLOW_CLOSE_CODE);
    expect(reason).toMatch(/not reading/);
    await eventually(() => handler.connections().length === 0);
  }, 60_000);

  it('a session ended while its connection is paused completes the close handshake once the client reads again', async () => {
    const { client, connection } = await pausedWithCalls();
    // The server ends the session: its close frame waits behind the unread answers.
    expect(host.end(connection.id)).toBe(true);
    client.ws.resume();
    // The client gets everything, answers the close frame, and ends its side. A server still
    // not reading then, with nothing left to write, could only wait for ws's close timer.
    const serverSocket = upgraded[0] as Duplex;
    const stuck = (): boolean =>
      client.ws.readyState !== WebSocket.OPEN && connection.bufferedBytes === 0 && serverSocket.isPaused();
    await eventually(() => handler.connections().length === 0 || stuck());
    expect(stuck()).toBe(false);
    const [code] = await client.closed;
    expect(code).toBe(1000);
    await eventually(() => handler.connections().length === 0);
    expect(errors).toEqual([]);
  }, 60_000);
});
