import net from 'node:net';
import type { PoolEvents, PoolTelemetryEvents } from '@erlmcp/transport-pool';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (no delay to tune: jest's timeout is the only bound). */
export async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await sleep(2);
}

/** Resolves with the first event of this name whose payload satisfies `match`. */
export function nextEvent<E extends keyof PoolTelemetryEvents>(
  events: PoolEvents,
  event: E,
  match: (payload: Parameters<PoolTelemetryEvents[E]>[0]) => boolean = () => true,
): Promise<Parameters<PoolTelemetryEvents[E]>[0]> {
  return new Promise((resolve) => {
    const listener = (payload: Parameters<PoolTelemetryEvents[E]>[0]) => {
      if (!match(payload)) return;
      (events.off as (e: string, l: unknown) => void)(event, listener);
      resolve(payload);
    };
    (events.on as (e: string, l: unknown) => void)(event, listener);
  });
}

/**
 * A TCP server on 127.0.0.1 that counts the connections it accepted and holds
 * its sockets, so a test can close one from the server's side. By default it
 * answers each line "ping" with "pong"; `onData` replaces that.
 */
export interface TestServer {
  port: number;
  accepted: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

export async function tcpServer(
  onData?: (socket: net.Socket, data: Buffer) => void,
  options: { pauseOnConnect?: boolean } = {},
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const state = { accepted: 0 };
  const server = net.createServer({ pauseOnConnect: options.pauseOnConnect ?? false }, (socket) => {
    state.accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      if (onData !== undefined) onData(socket, data);
      else if (data.toString().includes('ping')) socket.write('pong\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return state.accepted;
    },
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
