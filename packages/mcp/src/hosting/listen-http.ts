import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { currentNode, type Pid } from '@erlmcp/otp';
import { McpServerDefinition } from '../server/definition';
import {
  bodyTimeoutOf,
  createStreamableHttpHandler,
  type StreamableHttpHandler,
  type StreamableHttpOptions,
} from '../transport/http/streamable-http';
import { createWebSocketHandler, type WebSocketOptions } from '../transport/websocket-server';
import { frontDoorEnv, joinFrontDoor, type FrontDoorMembership } from './front-door-worker';
import { SessionHost, type SessionHostOptions } from './session-host';
import type { SessionRouter } from './session-router';

export interface ListenHttpOptions extends StreamableHttpOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only. */
  hostname?: string;
  /** Also accept WebSocket upgrades (subprotocol "mcp") on this server; `true` serves them at /ws. */
  websocket?:
    | boolean
    | Pick<WebSocketOptions, 'path' | 'maxMessageBytes' | 'outboundHighWaterBytes' | 'maxOutboundBytes' | 'onError'>;
  /** Used when given a definition rather than a host: options of the host started for it. */
  hostOptions?: SessionHostOptions;
  /**
   * Requests off the MCP endpoint (a /metrics route, a status page) go here before the 404:
   * return true when it answered. It does its own Host and Origin checks (`checkRequest`).
   */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * In a worker of `startFrontDoor`: true (default) joins it, serving its shared port and
   * address (`port` and `hostname` are overridden) and forwarding other workers' sessions;
   * false serves on its own. Ignored in any other process.
   */
  frontDoor?: boolean;
  /**
   * Sessions served across machines (`@erlmcp/distribution/mcp`): session ids issued here start
   * with its prefix, and it sees each request first, to pass another server's on. Not in a front door.
   */
  router?: SessionRouter;
  /**
   * The process that owns the port, as an Erlang port has an owner: when it exits, however it
   * exits (a supervisor's 'kill', a crashed scheduler, where no terminate runs), the server
   * closes, so the owner's restart can listen on the same port again.
   */
  owner?: Pid;
}

export interface McpHttpServer {
  server: Server;
  address: AddressInfo;
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  /** ws://127.0.0.1:<port>/ws, when WebSocket is on. */
  wsUrl: string | undefined;
  host: SessionHost;
  /** Stops listening, ends open streams and sockets; stops the host if it started it. */
  close(): Promise<void>;
}

/**
 * Serves MCP over Streamable HTTP (and WebSocket beside it, if asked) on node:http.
 * Give it a running {@link SessionHost} (one placed in your supervision tree), or a
 * definition, and it starts a host of its own; either way a node must be running.
 */
export async function listenHttp(
  target: SessionHost | McpServerDefinition,
  options: ListenHttpOptions = {},
): Promise<McpHttpServer> {
  // Checked before a host is started that a throw would leave running.
  const bodyTimeoutMs = bodyTimeoutOf(options);
  const owned = target instanceof McpServerDefinition;
  const host = owned ? await new SessionHost(target, options.hostOptions).start() : target;
  const door = options.frontDoor === false ? undefined : frontDoorEnv();
  let member: FrontDoorMembership | undefined;
  const prefix = door === undefined ? options.router?.sessionIdPrefix : `${door.index}.`;
  let http: StreamableHttpHandler;
  try {
    http = createStreamableHttpHandler(host, { ...options, sessionIdPrefix: prefix });
  } catch (error) {
    if (owned) await host.stop();
    throw error;
  }
  const wsOptions = options.websocket === true ? {} : options.websocket === false ? undefined : options.websocket;
  const ws =
    wsOptions === undefined
      ? undefined
      : createWebSocketHandler(host, { ...options, ...wsOptions, path: wsOptions.path ?? '/ws' });
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    if (!http(req, res) && options.routes?.(req, res) !== true) {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
    }
  };
  const server = createServer((req, res) => {
    if (member?.route(req, res) !== true && (member !== undefined || options.router?.route(req, res) !== true))
      serve(req, res);
  });
  // Requests go to session processes; a slow client must not pin sockets forever. The MCP
  // endpoint times its POST bodies itself (bodyTimeoutMs, answered with a JSON-RPC 408);
  // node's requestTimeout is the coarse backstop for bodies sent anywhere else (a 404 path,
  // a GET with a body). It ends when the request has arrived, so it never cuts a response
  // or an SSE stream short.
  server.headersTimeout = 30_000;
  server.requestTimeout = bodyTimeoutMs === undefined ? 0 : server.headersTimeout + bodyTimeoutMs;
  server.on('upgrade', (req, socket, head) => {
    if (ws === undefined || !ws(req, socket, head))
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Answer if we still can, then close. Ending our side alone would leave a half-open socket
    // that a client still sending (a body past requestTimeout) could hold for as long as it likes.
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable)
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
    else socket.destroy();
  });
  const hostname = door?.hostname ?? options.hostname ?? '127.0.0.1';
  try {
    // A front-door worker opens its private port and learns the others' before it takes the shared one.
    if (door !== undefined) member = await joinFrontDoor(door, serve);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(door?.port ?? options.port ?? 0, hostname, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await member?.close();
    http.dispose();
    ws?.close();
    if (owned) await host.stop();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const base = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${address.port}`;
  let closing: Promise<void> | undefined;
  const stopWatching =
    options.owner === undefined ? undefined : closeWithOwner(options.owner, () => void running.close());
  const running: McpHttpServer = {
    server,
    address,
    url: `http://${base}${options.path ?? '/mcp'}`,
    wsUrl: wsOptions === undefined ? undefined : `ws://${base}${wsOptions.path ?? '/ws'}`,
    host,
    close: () =>
      (closing ??= (async () => {
        stopWatching?.();
        await http.endSubscriptions();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        ws?.close();
        if (owned) await host.stop();
        http.dispose();
        // SSE streams of sessions someone else hosts are connections too: end them.
        server.closeAllConnections();
        await member?.close();
        await closed;
      })()),
  };
  member?.onStop(() => running.close());
  member?.listening(address.port);
  return running;
}

/** Calls `close` once when `owner` exits; returns what stops the watch. */
function closeWithOwner(owner: Pid, close: () => void): () => void {
  const events = currentNode().events;
  const onExit = (event: { pid: Pid }): void => {
    if (!event.pid.equals(owner)) return;
    events.off('exit', onExit);
    close();
  };
  events.on('exit', onExit);
  return () => events.off('exit', onExit);
}
