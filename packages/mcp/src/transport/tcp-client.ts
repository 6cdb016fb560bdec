import { connect, type Socket } from 'node:net';
import { ClientSession, type ClientSessionOptions } from '../client/session';
import { CLIENT_BACKPRESSURE } from './backpressure';
import { NdjsonTransport } from './ndjson';

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
  // No Nagle: a request must not wait for the ACK of the one before it (see listenTcpHosted).
  const socket = connect({ port, host, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const transport = new NdjsonTransport(socket, socket, {
    maxLineBytes,
    ...CLIENT_BACKPRESSURE,
    onError: clientOptions.onError,
  });
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
