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

/** RFC 3986 reg-name (lower-cased), and an IP-literal in brackets (with an RFC 6874 zone id). */
const REG_NAME = /^[a-z0-9\-._~%!$&'()*+,;=]+$/;
const IP_LITERAL = /^\[[0-9a-z:.%]+\]$/;
const PORT = /^[0-9]{0,5}$/;

/**
 * The host part of a well-formed Host header value (RFC 9110 §7.2: uri-host [":" port]),
 * lower-cased: "[::1]:3000" → "[::1]", "localhost:80" → "localhost". Undefined when it is
 * not one: "localhost:evil", "[::1]x", a port past 65535, userinfo ("evil@localhost").
 */
function hostName(value: string): string | undefined {
  const lower = value.trim().toLowerCase();
  const split = lower.startsWith('[') ? lower.indexOf(']') + 1 : lower.indexOf(':');
  const name = split <= 0 ? lower : lower.slice(0, split);
  const rest = split <= 0 ? '' : lower.slice(split);
  if (!(lower.startsWith('[') ? IP_LITERAL : REG_NAME).test(name)) return undefined;
  if (rest === '') return name;
  const port = rest.slice(1);
  return rest.charCodeAt(0) === 0x3a && PORT.test(port) && Number(port) <= 65535 ? name : undefined;
}

/** More than one Host header line: node keeps the first, so it must be counted in the raw headers. */
function repeatedHost(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

export type SecurityVerdict =
  { ok: true } | { ok: false; status: 400 | 401 | 403; message: string; headers?: Record<string, string> };

const OK: SecurityVerdict = { ok: true };

/** Checks Host, Origin and the bearer token of one request, before anything else reads it. */
export function checkRequest(req: IncomingMessage, options: SecurityOptions): SecurityVerdict {
  return (
    checkRepeatedHost(req, options) ??
    checkHost(req.headers.host, options) ??
    checkOrigin(req.headers.origin, options) ??
    checkBearer(req, options) ??
    OK
  );
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
    // Before the remembered value: node shows only the first of two Host headers.
    const repeated = checkRepeatedHost(req, options);
    if (repeated !== undefined) return repeated;
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

/** RFC 9112 §3.2: a request with more than one Host header gets 400. */
function checkRepeatedHost(req: IncomingMessage, options: SecurityOptions): Refusal | undefined {
  if (options.allowedHosts === false || !repeatedHost(req)) return undefined;
  return { ok: false, status: 400, message: 'Bad Request: more than one Host header' };
}

function checkHost(host: string | undefined, options: SecurityOptions): Refusal | undefined {
  if (options.allowedHosts === false) return undefined;
  const name = host === undefined ? undefined : hostName(host);
  // RFC 9112 §3.2: a Host header with an invalid value gets 400.
  if (host !== undefined && name === undefined)
    return { ok: false, status: 400, message: `Bad Request: malformed Host header ${JSON.stringify(host)}` };
  const allowed = options.allowedHosts;
  const ok =
    host !== undefined &&
    name !== undefined &&
    (allowed === undefined
      ? LOCAL_HOSTS.has(name)
      : allowed.some((entry) => entry.toLowerCase() === host.toLowerCase() || entry.toLowerCase() === name));
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
