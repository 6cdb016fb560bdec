import { Application, GenServer, Supervisor, type RunningApplication } from '@erlmcp/otp';
import { checkRequest, type SecurityOptions } from '@erlmcp/mcp/server';
import { SessionHost } from '@erlmcp/mcp/hosting';
import { observabilityRoutes, Observer, RuntimeMetrics } from '@erlmcp/observability';
import { WriteCoalescer } from '@erlmcp/message-batcher';
import { CALCULATOR, calculator } from './calculator';
import { serverDefinition, TOP } from './definition';
import { httpListener, type ListenerUrls } from './http-listener';

export interface McpServerAppOptions extends SecurityOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Serve HTTP and WebSocket (default true); false for a stdio-only server. */
  http?: boolean;
  /** Idle sessions end after this long (ms). */
  idleTimeoutMs?: number;
  /** Serve Prometheus metrics at /metrics (default true; needs http). */
  metrics?: boolean;
  /** Serve the web observer at /observer (default true; needs http); `{ allowKill: true }` lets it kill processes. */
  observer?: boolean | { allowKill?: boolean };
}

export interface McpServerApp {
  app: RunningApplication;
  host: SessionHost;
  /** Coalesces the writes of every session (SSE, WebSocket; stdio: pass it to hostNdjson as `coalescer`). */
  outbound: WriteCoalescer;
  /** Set when HTTP is on. */
  urls: ListenerUrls | undefined;
  /** The metrics served at /metrics, when on. */
  metrics: RuntimeMetrics | undefined;
  /** The observer served at /observer, when on. */
  observer: Observer | undefined;
  stop(): Promise<void>;
}

/** Registered name of the transport worker. */
export const HTTP_LISTENER = 'mcp_http_listener';

/**
 * The server as a supervision tree:
 *
 *   mcp-server (one_for_one, registered as mcp_server_top)
 *   ├── tools        supervisor: the tool workers (the calculator)
 *   ├── outbound     a message batcher (under its own supervisor): what a session (stdio,
 *   │                SSE stream, WebSocket) writes in one window (a burst of progress
 *   │                notifications) leaves in one socket write, each message still its own
 *   ├── sessions     DynamicSupervisor: one GenServer per MCP session
 *   └── http         worker: Streamable HTTP at /mcp and WebSocket at /ws; beside them
 *                    /metrics (Prometheus) and /observer, under the same Host/Origin checks
 *
 * Children start in this order and stop in reverse: the port closes first, then the
 * sessions end (their last writes flushed by the batcher, which stops after them), then the
 * workers they call.
 */
export async function startMcpServer(options: McpServerAppOptions = {}): Promise<McpServerApp> {
  const {
    port = 3000,
    hostname = '127.0.0.1',
    http = true,
    idleTimeoutMs,
    metrics: withMetrics = true,
    observer: withObserver = true,
    ...security
  } = options;
  const host = new SessionHost(serverDefinition(), { idleTimeoutMs });
  // Subscribed before the tree starts, so its first sessions and restarts are counted.
  const metrics = http && withMetrics ? new RuntimeMetrics({ sources: { sessions: host } }) : undefined;
  const observer =
    http && withObserver !== false
      ? new Observer({
          applications: [{ name: 'mcp-server', root: TOP }],
          sessions: host,
          allowKill: typeof withObserver === 'object' && withObserver.allowKill === true,
        })
      : undefined;
  const routes = observabilityRoutes({ metrics, observer, check: (req) => checkRequest(req, security) });
  const outbound = new WriteCoalescer({ name: 'mcp_outbound' });
  const children = [
    Supervisor.childSpec('tools', {
      strategy: 'one_for_one',
      intensity: 10,
      period: 5,
      children: [GenServer.childSpec('calculator', calculator, undefined, { name: CALCULATOR })],
    }),
    outbound.childSpec('outbound'),
    host.childSpec('sessions'),
  ];
  if (http) {
    children.push(
      GenServer.childSpec(
        'http',
        httpListener,
        { host, options: { port, hostname, websocket: true, routes, coalescer: outbound, ...security } },
        { name: HTTP_LISTENER, trapExit: true },
      ),
    );
  }
  const unsubscribe = (): void => {
    metrics?.close();
    observer?.close();
  };
  let app: RunningApplication;
  try {
    app = await Application.start({
      name: 'mcp-server',
      supervisor: () => Supervisor.start({ strategy: 'one_for_one', intensity: 3, period: 5, children }, { name: TOP }),
    });
  } catch (error) {
    unsubscribe();
    throw error;
  }
  const urls = http ? ((await GenServer.call(HTTP_LISTENER, 'urls')) as ListenerUrls) : undefined;
  const stop = async (): Promise<void> => {
    await app.stop();
    unsubscribe();
  };
  return { app, host, outbound, urls, metrics, observer, stop };
}
