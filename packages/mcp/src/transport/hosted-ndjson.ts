import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { newSessionId, type SessionHosting } from '../server/session-hosting';
import { FrameChannel, type FrameInput } from './frame-channel';
import type { BackpressureOptions } from './backpressure';
import { NdjsonTransport, type NdjsonTransportOptions } from './ndjson';
import type { OutboundCoalescer } from './outbound-coalescer';

export interface HostNdjsonOptions extends NdjsonTransportOptions {
  /** Gathers the session's outbound messages into fewer writes (each message stays its own line). */
  coalescer?: OutboundCoalescer;
}

export interface HostedConnection {
  /** The session id (its process is registered under it). */
  id: string;
  transport: NdjsonTransport;
}

/**
 * One NDJSON connection (stdio, a TCP socket) as a session process in `host`: each line
 * becomes a cast to that process, and the session's output is written back as lines.
 * The connection closing ends the process; the process ending closes the connection.
 */
export async function hostNdjson(
  host: SessionHosting,
  readable: Readable,
  writable: Writable,
  options: HostNdjsonOptions = {},
): Promise<HostedConnection> {
  const id = newSessionId();
  const { coalescer, ...transportOptions } = options;
  const transport = new NdjsonTransport(readable, writable, transportOptions);
  const writeLines = (texts: readonly string[]): void => transport.writeLines(texts);
  const close = (): void => transport.close();
  // What the coalescer holds (a last answer, say) is written before the connection closes; it
  // closes whether or not the flush succeeds.
  const flushThenClose = (): void => {
    let flushed: Promise<void>;
    try {
      flushed = coalescer!.flush(id);
    } catch {
      return close();
    }
    void Promise.resolve(flushed).then(close, close);
  };
  const channel = new FrameChannel(
    coalescer === undefined
      ? (text) => transport.writeLine(text)
      : (text, answer) => coalescer.submit(id, text, writeLines, answer),
    coalescer === undefined ? close : flushThenClose,
    () => void host.end(id),
  );
  await host.startSession(channel, id, 'ndjson');
  // A process killed outright runs no terminate: close the connection when it is gone.
  const stopWatching = host.onSessionEnd((gone) => {
    if (gone === id) (coalescer === undefined ? close : flushThenClose)();
  });
  transport.onClose(() => {
    stopWatching();
    // Closed for leaving too much unread: nobody will read the answers of requests still
    // running, so end the session now (aborting them) rather than wait for them to finish.
    if (transport.closeReason !== undefined) void host.end(id);
  });
  const deliver = (input: FrameInput): boolean => host.deliver(id, input);
  transport.attach({
    receiveText: (text) => void deliver({ kind: 'text', text }),
    receiveFrameError: (error) => void deliver({ kind: 'frame-error', error }),
    // End of input: the session answers what it has read (lines already cast come before this
    // cast), then ends, and its ending closes the transport. Closing earlier would drop those answers.
    drain: () =>
      deliver({ kind: 'closed' }) ? new Promise<void>((resolve) => transport.onClose(resolve)) : Promise.resolve(),
    close: () => void deliver({ kind: 'closed' }),
  });
  return { id, transport };
}

export interface ListenTcpHostedOptions extends BackpressureOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  maxLineBytes?: number;
  /** Reports transport trouble, such as a connection closed for leaving too much unread. */
  onError?: (error: Error) => void;
}

export interface HostedTcpServer {
  server: Server;
  address: AddressInfo;
  /** The open connections, each with its session id and transport. */
  connections: ReadonlySet<HostedConnection>;
  /** Stops listening and closes every connection (their session processes end). */
  close(): Promise<void>;
}

/** NDJSON over TCP, each connection a session process in `host` (compare listenTcp, which hosts none). */
export async function listenTcpHosted(
  host: SessionHosting,
  options: ListenTcpHostedOptions = {},
): Promise<HostedTcpServer> {
  const { port, hostname, ...transportOptions } = options;
  const sockets = new Set<Socket>();
  const connections = new Set<HostedConnection>();
  // Half-open: a client that ends its side still gets the answers to what it sent. No Nagle:
  // an answer written while an earlier one is unacknowledged would wait for the client's next
  // packet or its delayed ACK (up to 40 ms on Linux); the soak saw TCP's p50 at 6.6 ms against
  // WebSocket's 1.7 (node:http and ws turn Nagle off; net does not by default).
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    hostNdjson(host, socket, socket, transportOptions).then(
      (connection) => {
        connection.transport.onClose(() => connections.delete(connection));
        if (!connection.transport.isClosed) connections.add(connection);
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, hostname ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    address: server.address() as AddressInfo,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
