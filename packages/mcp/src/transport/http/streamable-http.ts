import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientSessions } from './client-sessions';
import { createErrorResponse, DEFAULT_MAX_FRAME_BYTES, isPlainObject, parseFrameText } from '../../jsonrpc/codec';
import { FrameTooComplexError, InvalidParamsError } from '../../jsonrpc/errors';
import type { RequestId } from '../../jsonrpc/types';
import { PROTOCOL_VERSION_KEY } from '../../server/modern';
import { isModernProtocolVersion, isSupportedProtocolVersion } from '../../protocol/versions';
import { newSessionId, type SessionHosting, SessionLimitError } from '../../server/session-hosting';
import { backpressureLimits, type BackpressureOptions } from '../backpressure';
import { BodyTooLargeError, readBody } from './body';
import { BodyDeadlines, BodyTimeoutError } from './body-deadlines';
import { WaitingInputs } from './waiting-inputs';
import { HttpChannel, type HttpInput } from './http-channel';
import { writeJson, writeJsonRpcError } from './responses';
import { createRequestCheck, type SecurityOptions } from './security';
import type { OutboundCoalescer } from '../outbound-coalescer';
import { isModernBody, serveStateless } from './stateless';
import { DEFAULT_MAX_STATELESS_REQUESTS, StatelessGate } from './stateless-gate';
import type { SseStreamState } from './sse-overflow';
import { emitConnection } from '../../server/telemetry';
import type { ServerSession } from '../../server/session';

/**
 * `outboundHighWaterBytes` and `maxOutboundBytes` bound each SSE stream: above the first its
 * events wait (queued, in order) until its socket drains; above the second a connected
 * stream is ended (the session lives on) and its queue kept for a resume with Last-Event-ID.
 */
export interface StreamableHttpOptions extends SecurityOptions, BackpressureOptions {
  /** The MCP endpoint. Default '/mcp'. */
  path?: string;
  /** Larger POST bodies get 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** 'sse' (default): requests are answered on an SSE stream; 'json': with one JSON body. */
  responseMode?: 'sse' | 'json';
  /** The `retry:` of priming events (ms). Default 1000. */
  retryMs?: number;
  /** SSE events kept per session for Last-Event-ID. Default 256. */
  replayEvents?: number;
  /**
   * How long a POST body may take to arrive in full, counted from its headers (ms). A body
   * still incomplete then gets 408 and its connection is closed, so a client trickling a body
   * cannot hold a socket for ever. Responses (a tool that runs long) and GET streams are not
   * limited. Default 30000; 0 or Infinity turns the limit off; negative or NaN is a RangeError.
   */
  bodyTimeoutMs?: number;
  /**
   * An SSE comment line every this many ms on a 2026-07-28 `subscriptions/listen` stream, so a
   * quiet one is not closed by proxies or idle timeouts. Default 15000; 0 turns it off.
   */
  keepAliveMs?: number;
  /**
   * Sessions one client address (the socket's remote address) may hold at once; one more
   * initialize gets HTTP 429 with a JSON-RPC error (-32000). Default: no limit. Behind a
   * proxy every client shares its address: set the limit there, or leave it off.
   */
  maxSessionsPerClient?: number;
  /** Told of an SSE stream ended because its client stopped reading (an `SseStreamOverflowError`). */
  onError?: (error: Error) => void;
  /**
   * Gathers the events an SSE stream gets in one window (a burst of progress notifications)
   * into one socket write; each stays its own event. An answer closes the window at once.
   */
  coalescer?: OutboundCoalescer;
  /**
   * 2026-07-28 requests in flight at once (an open `subscriptions/listen` counts until it
   * closes); past it they get 503 with `Retry-After: 1` (`StatelessLimitError`). They run
   * outside the `SessionHost`, so its `maxSessions` does not count them. Default 10000.
   */
  maxStatelessRequests?: number;
  /** @internal Put before every session id this handler issues (the front door's worker index). */
  sessionIdPrefix?: string;
}

export interface StreamableHttpHandler {
  /** Answers one request; false when its path is not the endpoint (the caller answers it). */
  (req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops answering requests still waiting for sessions that ended (call once, when done). */
  dispose(): void;
  /** The SSE streams of every session that have a client or hold events for one. */
  streams(): SseStreamState[];
  /**
   * Ends every open 2026-07-28 `subscriptions/listen` gracefully (its result, then the end of
   * its stream) and resolves once they are written, or after `graceMs` (default 1000) for
   * clients that stopped reading. Call before closing connections on shutdown.
   */
  endSubscriptions(graceMs?: number): Promise<void>;
}

/** Protocol errors before a request reaches a session use the SDK's codes: -32000, -32001 (no session), -32700. */
const TRANSPORT_ERROR = -32000;
const SESSION_NOT_FOUND = -32001;
const PARSE_ERROR = -32700;
/** Default of {@link StreamableHttpOptions.bodyTimeoutMs}. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/** @internal The body time limit in ms, undefined when off (0 or Infinity); a RangeError for nonsense. */
export function bodyTimeoutOf(options: StreamableHttpOptions): number | undefined {
  const ms = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  if (!(ms >= 0))
    throw new RangeError(`bodyTimeoutMs must be 0 (off), a positive number of ms or Infinity (off); got ${ms}`);
  return ms > 0 && ms < Infinity ? ms : undefined;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function accepts(req: IncomingMessage, type: string): boolean {
  const accept = headerValue(req, 'accept');
  return accept !== undefined && (accept.includes(type) || accept.includes('*/*'));
}

function isInitialize(body: unknown): boolean {
  return methodOf(body) === 'initialize';
}

function methodOf(body: unknown): unknown {
  return isPlainObject(body) ? body.method : undefined;
}

/** A body's id when it is one a response may carry. */
function idOf(body: unknown): RequestId | undefined {
  const id = isPlainObject(body) ? body.id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/**
 * The Streamable HTTP transport (MCP 2025-03-26 and later) in front of a {@link SessionHosting}
 * (`SessionHost` of `@erlmcp/mcp/hosting`):
 * one endpoint; POST carries client messages, GET opens the server's stream, DELETE ends a
 * session. It checks what it can without a session (security, headers, body size, JSON) and
 * passes the rest to the session's process, which answers.
 */
export function createStreamableHttpHandler(
  host: SessionHosting,
  options: StreamableHttpOptions = {},
): StreamableHttpHandler {
  const path = options.path ?? '/mcp';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const limits = backpressureLimits(options);
  const channelOptions = {
    responseMode: options.responseMode ?? 'sse',
    retryMs: options.retryMs ?? 1000,
    replayEvents: options.replayEvents ?? 256,
    highWater: limits.highWater,
    maxOutbound: limits.max,
    onError: options.onError,
    coalescer: options.coalescer,
  } as const;
  // Requests handed to a session that has not taken them yet: if the session ends first,
  // they get 404.
  const waiting = new WaitingInputs();
  const check = createRequestCheck(options);
  const bodyTimeoutMs = bodyTimeoutOf(options);
  const deadlines = bodyTimeoutMs === undefined ? undefined : new BodyDeadlines(bodyTimeoutMs);
  const stateless = new StatelessGate(options.maxStatelessRequests ?? DEFAULT_MAX_STATELESS_REQUESTS, 1);
  const idPrefix = options.sessionIdPrefix ?? '';
  // A process killed outright runs no terminate: its streams are ended here instead.
  const channels = new Map<string, HttpChannel>();
  // Stateless subscriptions/listen streams, ended with their result by dispose().
  const listens = new Map<ServerSession, ServerResponse>();
  const perClient =
    options.maxSessionsPerClient === undefined ? undefined : new ClientSessions(options.maxSessionsPerClient);
  const stopListening = host.onSessionEnd((id) => {
    perClient?.ended(id);
    const channel = channels.get(id);
    if (channel !== undefined) {
      channels.delete(id);
      channel.close();
    }
    waiting.releaseSession(id, (res) => writeJsonRpcError(res, 404, SESSION_NOT_FOUND, 'Session not found'));
  });

  /** Hands a request to its session's process; false when no such session is alive. */
  const deliver = (id: string, input: HttpInput): boolean => {
    // The session process takes it out of the table when it handles the request.
    waiting.hold(input, id);
    if (host.deliver(id, input)) return true;
    waiting.release(input);
    return false;
  };

  const startSession = async (body: unknown, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const address = req.socket.remoteAddress ?? '';
    const refused = perClient?.reserve(address);
    if (refused !== undefined) {
      options.onError?.(refused);
      return writeJsonRpcError(res, 429, TRANSPORT_ERROR, `Too Many Requests: ${refused.message}`);
    }
    const id = idPrefix + newSessionId();
    const channel = new HttpChannel(id, channelOptions);
    try {
      await host.startSession(channel, id, 'http');
      channels.set(id, channel);
      perClient?.started(id, address);
    } catch (error) {
      perClient?.release(address);
      if (error instanceof SessionLimitError)
        return writeJsonRpcError(res, 503, TRANSPORT_ERROR, 'Service Unavailable: too many sessions');
      return writeJsonRpcError(res, 500, TRANSPORT_ERROR, 'Internal error: the session could not start');
    }
    if (!deliver(id, { kind: 'post', body, res })) writeJsonRpcError(res, 404, SESSION_NOT_FOUND, 'Session not found');
  };

  const posted = (text: string, req: IncomingMessage, res: ServerResponse, sessionId: string | undefined): void => {
    let body: unknown;
    try {
      // Pre-scanned against the sessions' JSON limits: a body nested too deep never reaches JSON.parse.
      body = parseFrameText(text, host.jsonLimits);
    } catch (error) {
      if (error instanceof FrameTooComplexError) return writeJson(res, 400, createErrorResponse(undefined, error));
      return writeJsonRpcError(res, 400, PARSE_ERROR, 'Parse error: the body is not JSON');
    }
    if (sessionId !== undefined) {
      const protocolVersion = headerValue(req, 'mcp-protocol-version');
      if (!deliver(sessionId, { kind: 'post', body, res, protocolVersion }))
        writeJsonRpcError(res, 404, SESSION_NOT_FOUND, 'Session not found');
      return;
    }
    // 2026-07-28: no session; the request says its revision and capabilities itself.
    if (isModernBody(body)) {
      if (!stateless.admit(res)) return;
      return serveStateless(host.definition, body, req, res, channelOptions.responseMode, host.sessionOptions, {
        highWater: limits.highWater,
        maxOutbound: limits.max,
        onError: options.onError,
        keepAliveMs: options.keepAliveMs ?? 15_000,
        listens,
      });
    }
    const version = headerValue(req, 'mcp-protocol-version');
    if (!isInitialize(body) && (isModernProtocolVersion(version) || methodOf(body) === 'server/discover')) {
      // A 2026-07-28 request (by its header, or a method only that revision has) without the
      // _meta it requires: malformed, -32602 and HTTP 400 (basic/index.mdx, "_meta").
      const error = new InvalidParamsError(`_meta["${PROTOCOL_VERSION_KEY}"] is required`);
      return writeJson(res, 400, createErrorResponse(idOf(body), error));
    }
    if (version !== undefined && !isSupportedProtocolVersion(version)) {
      return writeJsonRpcError(res, 400, TRANSPORT_ERROR, `Bad Request: unsupported MCP-Protocol-Version ${version}`);
    }
    if (!isInitialize(body)) {
      return writeJsonRpcError(
        res,
        400,
        TRANSPORT_ERROR,
        'Bad Request: Mcp-Session-Id header is required (or a 2026-07-28 request with _meta)',
      );
    }
    startSession(body, req, res).catch(() => res.destroy());
  };

  const post = (req: IncomingMessage, res: ServerResponse, sessionId: string | undefined): void => {
    const contentType = headerValue(req, 'content-type');
    if (contentType === undefined || !contentType.includes('application/json')) {
      return writeJsonRpcError(
        res,
        415,
        TRANSPORT_ERROR,
        'Unsupported Media Type: Content-Type must be application/json',
      );
    }
    if (!accepts(req, 'application/json') || !accepts(req, 'text/event-stream')) {
      return writeJsonRpcError(
        res,
        406,
        TRANSPORT_ERROR,
        'Not Acceptable: Accept must list application/json and text/event-stream',
      );
    }
    // The session is known from the header: an unknown one gets its 404 before the body is
    // read, let alone parsed. (It may still end while the body arrives; deliver() then says so.)
    if (sessionId !== undefined && !host.has(sessionId)) {
      req.resume();
      return writeJsonRpcError(res, 404, SESSION_NOT_FOUND, 'Session not found');
    }
    readBody(
      req,
      maxBodyBytes,
      (text) => {
        // In an event listener: a throw here (the node stopping under us) must not escape.
        try {
          posted(text, req, res, sessionId);
        } catch {
          res.destroy();
        }
      },
      (error) => {
        if (error instanceof BodyTooLargeError)
          writeJsonRpcError(res, 413, TRANSPORT_ERROR, error.message, { Connection: 'close' });
        // Connection: close makes node:http close the socket once the answer is out, and
        // with it the rest of the body. Nothing reaches a session before its body is whole,
        // so no answer can have started; if one somehow had, only closing is left.
        else if (error instanceof BodyTimeoutError && !res.headersSent)
          writeJsonRpcError(res, 408, TRANSPORT_ERROR, error.message, { Connection: 'close' });
        else res.destroy();
      },
      deadlines,
    );
  };

  const handler = ((req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    if ((query < 0 ? url : url.slice(0, query)) !== path) return false;
    const verdict = check(req);
    if (!verdict.ok) {
      emitConnection({ transport: 'http', outcome: 'rejected', reason: String(verdict.status), durationMs: 0 });
      req.resume();
      writeJsonRpcError(res, verdict.status, TRANSPORT_ERROR, verdict.message, verdict.headers);
      return true;
    }
    const version = headerValue(req, 'mcp-protocol-version');
    const sessionId = headerValue(req, 'mcp-session-id');
    // A POST without a session is checked once its body says which era it speaks (posted()).
    const sessionless = req.method === 'POST' && sessionId === undefined;
    if (
      !sessionless &&
      version !== undefined &&
      !isSupportedProtocolVersion(version) &&
      !isModernProtocolVersion(version)
    ) {
      req.resume();
      writeJsonRpcError(res, 400, TRANSPORT_ERROR, `Bad Request: unsupported MCP-Protocol-Version ${version}`);
      return true;
    }
    switch (req.method) {
      case 'POST':
        post(req, res, sessionId);
        return true;
      case 'GET':
        req.resume();
        if (!accepts(req, 'text/event-stream')) {
          writeJsonRpcError(res, 406, TRANSPORT_ERROR, 'Not Acceptable: Accept must list text/event-stream');
        } else if (sessionId === undefined) {
          writeJsonRpcError(res, 400, TRANSPORT_ERROR, 'Bad Request: Mcp-Session-Id header is required');
        } else if (!deliver(sessionId, { kind: 'get', lastEventId: headerValue(req, 'last-event-id'), res })) {
          writeJsonRpcError(res, 404, SESSION_NOT_FOUND, 'Session not found');
        }
        return true;
      case 'DELETE':
        req.resume();
        if (sessionId === undefined)
          writeJsonRpcError(res, 400, TRANSPORT_ERROR, 'Bad Request: Mcp-Session-Id header is required');
        else if (!deliver(sessionId, { kind: 'delete', res }))
          writeJsonRpcError(res, 404, SESSION_NOT_FOUND, 'Session not found');
        return true;
      default:
        req.resume();
        writeJsonRpcError(res, 405, TRANSPORT_ERROR, 'Method Not Allowed', { Allow: 'GET, POST, DELETE' });
        return true;
    }
  }) as StreamableHttpHandler;
  handler.streams = () => [...channels.values()].flatMap((channel) => channel.streamStates());
  handler.endSubscriptions = async (graceMs = 1000) => {
    const ending = [...listens].map(([session, res]) => {
      const done = new Promise<void>((resolve) => {
        if (res.writableFinished || res.destroyed) return resolve();
        res.once('finish', resolve);
        res.once('close', resolve);
      });
      session.endSubscriptions();
      return done;
    });
    if (ending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(ending),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs).unref())),
    ]);
    clearTimeout(timer);
  };
  handler.dispose = () => {
    // A graceful end for each open subscription: its SubscriptionsListenResult, then the stream closes.
    for (const session of [...listens.keys()]) session.endSubscriptions();
    stopListening();
    deadlines?.dispose();
  };
  return handler;
}
