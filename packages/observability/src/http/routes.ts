/**
 * `/metrics` and `/observer` as a node:http request handler to place beside an MCP
 * endpoint (`listenHttp`'s `routes` option). Each request passes the caller's security
 * check first (the MCP endpoint's Host, Origin and token rules), so the routes are bound
 * and guarded like the rest of the server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RuntimeMetrics } from '../metrics/runtime-metrics';
import type { Observer } from '../observer/observer';
import { observerRoute } from '../observer/route';
import { sendText } from './send-text';

export type RouteVerdict =
  { ok: true } | { ok: false; status: number; message: string; headers?: Record<string, string> };

export interface ObservabilityRoutesOptions {
  /** Serves `metricsPath` when given. */
  metrics?: RuntimeMetrics;
  /** Serves `observerPath` (the page, its assets, its event stream and API) when given. */
  observer?: Observer;
  /** The server's security check, e.g. `(req) => checkRequest(req, security)` from @erlmcp/mcp. */
  check: (req: IncomingMessage) => RouteVerdict;
  /** Default '/metrics'. */
  metricsPath?: string;
  /** Default '/observer'. */
  observerPath?: string;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** A request handler: true when the request was for one of its paths (and was answered). */
export function observabilityRoutes(
  options: ObservabilityRoutesOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const metricsPath = options.metricsPath ?? '/metrics';
  const observerPath = options.observerPath ?? '/observer';
  const observer = options.observer === undefined ? undefined : observerRoute(options.observer, observerPath);
  return (req, res) => {
    const path = pathOf(req);
    const isMetrics = options.metrics !== undefined && path === metricsPath;
    const isObserver = observer !== undefined && (path === observerPath || path.startsWith(`${observerPath}/`));
    if (!isMetrics && !isObserver) return false;
    const verdict = options.check(req);
    if (!verdict.ok) {
      req.resume();
      sendText(res, verdict.status, verdict.message, verdict.headers);
      return true;
    }
    if (isObserver) {
      observer!(req, res, path.slice(observerPath.length));
      return true;
    }
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return true;
    }
    const metrics = options.metrics!;
    metrics.metrics().then(
      (text) =>
        res
          .writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' })
          .end(req.method === 'HEAD' ? undefined : text),
      (error: unknown) =>
        sendText(res, 500, `metrics collection failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    return true;
  };
}
