import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_MAX_FRAME_BYTES } from '../jsonrpc/codec';
import { newSessionId, type SessionHosting, SessionLimitError } from '../server/session-hosting';
import { backpressureLimits, type BackpressureOptions } from './backpressure';
import { FrameChannel, type FrameInput } from './frame-channel';
import type { OutboundCoalescer } from './outbound-coalescer';
import { checkRequest, type SecurityOptions } from './http/security';
import { MCP_WS_SUBPROTOCOL } from './websocket-subprotocol';
import { WebSocketConnection, type WebSocketConnectionState } from './websocket-connection';
import { emitConnection } from '../server/telemetry';

export interface WebSocketOptions extends SecurityOptions, BackpressureOptions {
  /** The upgrade path. Default '/ws'. */
  path?: string;
  /** Larger messages close the connection with 1009. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Reports transport trouble, such as a connection closed for leaving too much unread. */
  onError?: (error: Error) => void;
  /** Gathers a session's outbound messages into fewer socket writes (each stays its own WebSocket message). */
  coalescer?: OutboundCoalescer;
}

export interface WebSocketUpgradeHandler {
  /** Takes an HTTP upgrade; false when its path is not ours (the caller deals with it). */
  (req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** The open connections, with their outbound buffer and backpressure state. */
  connections(): WebSocketConnectionState[];
  /** Closes every connection it accepted. */
  close(): void;
}

/** The coalescer's flush for `id`; resolves (never rejects) once it is done or failed. */
function flushed(coalescer: OutboundCoalescer, id: string): Promise<void> {
  try {
    return Promise.resolve(coalescer.flush(id)).then(
      () => undefined,
      () => undefined,
    );
  } catch {
    return Promise.resolve();
  }
}

const REASONS = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden' } as const;

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * MCP over WebSocket (subprotocol "mcp"): one text message is one JSON-RPC message or batch,
 * and each connection is one session in the host (`SessionHost` of `@erlmcp/mcp/hosting`, each session a process).
 */
export function createWebSocketHandler(host: SessionHosting, options: WebSocketOptions = {}): WebSocketUpgradeHandler {
  const path = options.path ?? '/ws';
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const limits = backpressureLimits(options);
  const open = new Map<string, WebSocketConnection>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxMessageBytes,
    handleProtocols: (protocols) => (protocols.has(MCP_WS_SUBPROTOCOL) ? MCP_WS_SUBPROTOCOL : false),
  });

  // A process killed outright runs no terminate: its socket is closed here instead.
  const sockets = new Map<string, WebSocket>();
  const stopListening = host.onSessionEnd((id) => {
    const ws = sockets.get(id);
    if (ws === undefined) return;
    sockets.delete(id);
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1011);
  });

  const coalescer = options.coalescer;
  const accept = async (ws: WebSocket, socket: Duplex): Promise<void> => {
    const id = newSessionId();
    // Messages that arrive while the session process starts wait here, in order.
    const early: FrameInput[] = [];
    let started = false;
    const input = (message: FrameInput): void => {
      if (!started) early.push(message);
      else host.deliver(id, message);
    };
    const connection = new WebSocketConnection(id, ws, socket, limits, input, (error) => {
      options.onError?.(error);
      // Nobody will read the answers of requests still running: end the session now.
      host.end(id);
    });
    open.set(id, connection);
    const close = (): void => ws.close(1000);
    const channel =
      coalescer === undefined
        ? new FrameChannel(
            (text) => connection.send(text),
            close,
            () => void host.end(id),
          )
        : new FrameChannel(
            (text, answer) => coalescer.submit(id, text, connection.sendMany, answer),
            // What the coalescer holds (a last answer) is sent before the close frame.
            () => void flushed(coalescer, id).then(close),
            () => void host.end(id),
          );
    // A binary message is read as UTF-8 text, as a text one is. Once closing, nothing more
    // is answered, so nothing more is read.
    // binaryType 'nodebuffer', the default: a message is one Buffer.
    ws.on('message', (data) => {
      if (ws.readyState === WebSocket.OPEN) connection.receive({ kind: 'text', text: (data as Buffer).toString() });
    });
    ws.on('close', () => {
      open.delete(id);
      connection.receive({ kind: 'closed' });
    });
    ws.on('error', () => ws.terminate());
    try {
      await host.startSession(channel, id, 'websocket');
    } catch (error) {
      ws.close(error instanceof SessionLimitError ? 1013 : 1011);
      return;
    }
    started = true;
    if (host.has(id)) sockets.set(id, ws);
    for (const message of early) host.deliver(id, message);
  };

  const handler = ((req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    if ((query < 0 ? url : url.slice(0, query)) !== path) return false;
    const verdict = checkRequest(req, options);
    if (!verdict.ok) {
      emitConnection({ transport: 'websocket', outcome: 'rejected', reason: String(verdict.status), durationMs: 0 });
      refuse(socket, verdict.status, REASONS[verdict.status]);
      return true;
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(MCP_WS_SUBPROTOCOL)) {
      refuse(socket, 400, 'Bad Request');
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void accept(ws, socket));
    return true;
  }) as WebSocketUpgradeHandler;
  handler.connections = () => [...open.values()];
  handler.close = () => {
    stopListening();
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
  return handler;
}
