import { type RawData, WebSocket } from 'ws';
import { ClientSession, type ClientSessionOptions } from '../client/session';
import { encodePayload } from '../jsonrpc/codec';
import { MCP_WS_SUBPROTOCOL } from './websocket-subprotocol';

export interface ConnectWebSocketOptions extends Omit<ClientSessionOptions, 'send'> {
  /** ws://host:port/ws */
  url: string;
  /** Extra headers (Authorization, Origin). */
  headers?: Record<string, string>;
}

export interface WebSocketClient {
  client: ClientSession;
  socket: WebSocket;
  close(): Promise<void>;
}

/** Connects our ClientSession over WebSocket and completes the initialize handshake. */
export async function connectWebSocket(options: ConnectWebSocketOptions): Promise<WebSocketClient> {
  const { url, headers, ...clientOptions } = options;
  const socket = new WebSocket(url, MCP_WS_SUBPROTOCOL, { headers });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const client = new ClientSession({
    ...clientOptions,
    send: (payload) => {
      socket.send(encodePayload(payload));
    },
  });
  socket.on('message', (data: RawData) => client.receiveText(rawText(data)));
  socket.on('close', () => client.close());
  socket.on('error', () => undefined);
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      client.close();
      if (socket.readyState === WebSocket.CLOSED) return resolve();
      socket.once('close', () => resolve());
      socket.close(1000);
    });
  try {
    await client.connect();
  } catch (error) {
    await close();
    throw error;
  }
  return { client, socket, close };
}

/** A message's bytes as text: ws hands a Buffer by default, and an array of fragments or an ArrayBuffer with other binaryType settings. */
function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
