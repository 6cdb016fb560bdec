import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface SecurityOptions {
  /**
   * Host header values accepted (host names, with or without a port). Default: localhost,
   * 127.0.0.1 and [::1] on any port — the DNS-rebinding guard for a local server.
   * `false` turns the check off (a server behind a proxy that checks it).
   */
  allowedHosts?: readonly string[] | false;
  /**
   * Origin header values accepted (scheme://host[:port]). Default: http(s) origins on
   * localhost, 127.0.0.1 and [::1]. A request without Origin (not a browser) passes.
   * `false` turns the check off.
   */
  allowedOrigins?: readonly string[] | false;
  /** When set, every request needs `Authorization: Bearer <token>` with one of these tokens. */
  bearerTokens?: readonly string[];
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host part of a Host header value: "[::1]:3000" → "[::1]", "localhost:80" → "localhost". */
function hostName(value: string): string {
  const lower = value.trim().toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    return end < 0 ? lower : lower.slice(0, end + 1);
  }
  const colon = lower.indexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon);
}

export type SecurityVerdict = { ok: true } | { ok: false; status: 401 | 403; message: string; headers?: Record<string, string> };

const OK: SecurityVerdict = { ok: true };

/** Checks Host, Origin and the bearer token of one request, before anything else reads it. */
export function checkRequest(req: IncomingMessage, options: SecurityOptions): SecurityVerdict {
  return checkHost(req.headers.host, options) ?? checkOrigin(req.headers.origin, options) ?? checkBearer(req, options) ?? OK;
}

/**
 * {@link checkRequest} for one endpoint, remembering the last Host and Origin values it
 * accepted: a client sends the same ones on every request, and they need not be parsed
 * again. Only accepted values are remembered; the bearer token is checked every time.
 */
export function createRequestCheck(options: SecurityOptions): (req: IncomingMessage) => SecurityVerdict {
  let acceptedHost: string | undefined;
  let acceptedOrigin: string | undefined;
  return (req) => {
    const host = req.headers.host;
    if (host === undefined || host !== acceptedHost) {
      const refused = checkHost(host, options);
      if (refused !== undefined) return refused;
      acceptedHost = host;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== acceptedOrigin) {
      const refused = checkOrigin(origin, options);
      if (refused !== undefined) return refused;
      acceptedOrigin = origin;
    }
    return checkBearer(req, options) ?? OK;
  };
}

type Refusal = Exclude<SecurityVerdict, { ok: true }>;

function checkHost(host: string | undefined, options: SecurityOptions): Refusal | undefined {
  if (options.allowedHosts === false) return undefined;
  const allowed = options.allowedHosts;
  const ok =
    host !== undefined &&
    (allowed === undefined
      ? LOCAL_HOSTS.has(hostName(host))
      : allowed.some((entry) => entry.toLowerCase() === host.toLowerCase() || entry.toLowerCase() === hostName(host)));
  return ok ? undefined : { ok: false, status: 403, message: `Forbidden: host ${String(host)} is not allowed` };
}

function checkOrigin(origin: string | undefined, options: SecurityOptions): Refusal | undefined {
  if (origin === undefined || options.allowedOrigins === false) return undefined;
  const allowed = options.allowedOrigins;
  let ok: boolean;
  if (allowed === undefined) {
    try {
      const url = new URL(origin);
      ok = (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname.toLowerCase());
    } catch {
      ok = false;
    }
  } else ok = allowed.includes(origin);
  return ok ? undefined : { ok: false, status: 403, message: `Forbidden: origin ${origin} is not allowed` };
}

function checkBearer(req: IncomingMessage, options: SecurityOptions): Refusal | undefined {
  if (options.bearerTokens === undefined) return undefined;
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (token !== undefined && options.bearerTokens.some((expected) => sameSecret(token, expected))) return undefined;
  return {
    ok: false,
    status: 401,
    message: 'Unauthorized: a valid bearer token is required',
    headers: { 'WWW-Authenticate': token === undefined ? 'Bearer' : 'Bearer error="invalid_token"' },
  };
}

/** Compares in time independent of where the strings differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
