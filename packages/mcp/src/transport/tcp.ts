import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { ClientSession, type ClientSessionOptions } from '../client/session';
import type { McpServerDefinition } from '../server/definition';
import type { ServerSession, ServerSessionOptions } from '../server/session';
import { type BackpressureOptions, CLIENT_BACKPRESSURE } from './backpressure';
import { NdjsonTransport } from './ndjson';

export interface ListenTcpOptions extends Omit<ServerSessionOptions, 'send' | 'id'>, BackpressureOptions {
  port?: number;
  host?: string;
  maxLineBytes?: number;
  /** Called for each accepted connection's session, before its first message. */
  onSession?: (session: ServerSession, socket: Socket, transport: NdjsonTransport) => void;
}

export interface TcpServer {
  server: Server;
  address: AddressInfo;
  /** Live sessions, one per connection. */
  sessions: ReadonlySet<ServerSession>;
  close(): Promise<void>;
}

/** NDJSON over TCP: one session per connection. Port 0 picks a free port. */
export async function listenTcp(definition: McpServerDefinition, options: ListenTcpOptions = {}): Promise<TcpServer> {
  const { port = 0, host = '127.0.0.1', maxLineBytes, onSession, outboundHighWaterBytes, maxOutboundBytes, ...sessionOptions } = options;
  const sessions = new Set<ServerSession>();
  const transports = new Set<NdjsonTransport>();
  // Half-open: a client that ends its side still gets the answers to what it sent.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const transport = new NdjsonTransport(socket, socket, { maxLineBytes, outboundHighWaterBytes, maxOutboundBytes, onError: sessionOptions.onError });
    const session = definition.createSession({ ...sessionOptions, send: transport.send });
    sessions.add(session);
    transports.add(transport);
    transport.onClose(() => {
      sessions.delete(session);
      transports.delete(transport);
      socket.destroy();
    });
    onSession?.(session, socket, transport);
    transport.attach(session);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    address: server.address() as AddressInfo,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const transport of [...transports]) transport.close();
        server.close(() => resolve());
      }),
  };
}

export interface ConnectTcpOptions extends Omit<ClientSessionOptions, 'send'> {
  port: number;
  host?: string;
  maxLineBytes?: number;
}

export interface TcpClient {
  client: ClientSession;
  socket: Socket;
  close: () => void;
}

/** Connects and completes the initialize handshake. */
export async function connectTcp(options: ConnectTcpOptions): Promise<TcpClient> {
  const { port, host = '127.0.0.1', maxLineBytes, ...clientOptions } = options;
  const socket = connect(port, host);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const transport = new NdjsonTransport(socket, socket, { maxLineBytes, ...CLIENT_BACKPRESSURE, onError: clientOptions.onError });
  const client = new ClientSession({ ...clientOptions, send: transport.send });
  transport.onClose(() => socket.destroy());
  transport.attach(client);
  const close = (): void => transport.close();
  try {
    await client.connect();
  } catch (error) {
    close();
    throw error;
  }
  return { client, socket, close };
}
