import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { McpServerDefinition } from '../server/definition';
import type { ServerSession, ServerSessionOptions } from '../server/session';
import type { BackpressureOptions } from './backpressure';
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
  const {
    port = 0,
    host = '127.0.0.1',
    maxLineBytes,
    onSession,
    outboundHighWaterBytes,
    maxOutboundBytes,
    ...sessionOptions
  } = options;
  const sessions = new Set<ServerSession>();
  const transports = new Set<NdjsonTransport>();
  // Half-open: a client that ends its side still gets the answers to what it sent. No Nagle
  // (as node:http and ws): an answer must not wait for the client's delayed ACK (hosted-ndjson.ts).
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const transport = new NdjsonTransport(socket, socket, {
      maxLineBytes,
      outboundHighWaterBytes,
      maxOutboundBytes,
      onError: sessionOptions.onError,
    });
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
