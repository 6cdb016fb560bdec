import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createErrorResponse, encodePayload, isPlainObject, isRequest, parseMessage } from '../../jsonrpc/codec';
import { InvalidRequestError, JsonRpcError } from '../../jsonrpc/errors';
import type { JsonObject, JsonRpcPayload, RequestId } from '../../jsonrpc/types';
import { McpErrorCode } from '../../protocol/errors';
import type { HostedSessionOptions } from '../../server/session-hosting';
import type { McpServerDefinition } from '../../server/definition';
import { principalOf } from '../../server/handles';
import { claimsModernEra, PROTOCOL_VERSION_KEY, readModernMeta } from '../../server/modern';
import { ServerSession } from '../../server/session';
import { checkMcpHeaders } from './mcp-headers';
import { writeJson, writeJsonText } from './responses';
import { StatelessSseStream, type StatelessStreamLimits } from './stateless-stream';

/** A body that names its revision in `_meta`: a 2026-07-28 request, served without a session. */
export function isModernBody(body: unknown): boolean {
  if (!isPlainObject(body)) return false;
  return isPlainObject(body.params) && claimsModernEra(body.params);
}

/**
 * The HTTP status of an answer on a plain JSON response (basic/transports/streamable-http.mdx):
 * 400 for the revision's own errors, 404 for an unknown method, 200 for everything else.
 */
function statusOf(payload: JsonRpcPayload): number {
  if (Array.isArray(payload) || !('error' in payload)) return 200;
  switch (payload.error.code) {
    case McpErrorCode.HeaderMismatch:
    case McpErrorCode.MissingRequiredClientCapability:
    case McpErrorCode.UnsupportedProtocolVersion:
      return 400;
    case -32601:
      return 404;
    default:
      return 200;
  }
}

/**
 * One stateless request: checks its headers against its body, then runs it on a session that
 * lives as long as the request. The answer is one JSON body, unless the handler sends
 * progress or log notifications first: then the response becomes an SSE stream scoped to the
 * request, closed by the answer. The client closing the response cancels the request.
 */
export function serveStateless(
  definition: McpServerDefinition,
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  responseMode: 'sse' | 'json',
  sessionOptions: HostedSessionOptions,
  limits: StatelessStreamLimits & {
    /** SSE comment (`:`) every this many ms on a subscriptions/listen stream; 0 or absent: none. */
    keepAliveMs?: number;
    /** Sessions holding an open subscriptions/listen, so a shutdown can end them gracefully. */
    listens?: Map<ServerSession, ServerResponse>;
  },
): void {
  let message;
  let malformedMeta = false;
  try {
    message = parseMessage(body);
    if (!('method' in message)) throw new InvalidRequestError('Only requests and notifications may be posted');
    const params = message.params as JsonObject;
    checkMcpHeaders(
      req.headers,
      message.method,
      params,
      (params._meta as JsonObject)[PROTOCOL_VERSION_KEY],
      definition.tools,
    );
    // basic/index.mdx: a request missing a required _meta field is -32602, and on HTTP 400.
    malformedMeta = true;
    readModernMeta(params);
  } catch (error) {
    const rpc = error instanceof JsonRpcError ? error : new InvalidRequestError('Invalid JSON-RPC message');
    const id = isPlainObject(body) ? (body.id as RequestId | undefined) : undefined;
    const response = createErrorResponse(rpc.requestId ?? id, rpc);
    const status = rpc.code === McpErrorCode.HeaderMismatch || malformedMeta ? 400 : statusOf(response);
    return writeJson(res, status, response);
  }
  if (!isRequest(message)) {
    // The revision defines no client notifications over HTTP: accepted and dropped.
    res.writeHead(202).end();
    return;
  }
  const requestId = message.id;
  // A subscription is a stream by nature, whatever the answers' mode.
  const stream = responseMode === 'sse' || message.method === 'subscriptions/listen';
  let streaming: StatelessSseStream | undefined;
  let answered = false;
  let keepAlive: NodeJS.Timeout | undefined;
  const listening = message.method === 'subscriptions/listen';
  const session = new ServerSession(definition, {
    ...sessionOptions,
    id: statelessId(),
    principal: principalFor(req),
    perRequest: true,
    send: (payload) => {
      if (answered || res.writableEnded || res.destroyed) return;
      const text = encodePayload(payload);
      const final = !Array.isArray(payload) && !('method' in payload) && payload.id === requestId;
      if (final) {
        answered = true;
        if (keepAlive !== undefined) clearInterval(keepAlive);
        limits.listens?.delete(session);
        if (streaming !== undefined) streaming.send(text, true);
        else writeJsonText(res, statusOf(payload), text);
        queueMicrotask(() => session.close());
        return;
      }
      // Progress and log messages of this request: they need a stream, which JSON mode has not.
      if (!stream) return;
      if (streaming === undefined) {
        streaming = new StatelessSseStream(res, limits);
        res.writeHead(200, {
          'Content-Type': 'text/event-stream',
          'Cache-Control': 'no-cache',
          'X-Accel-Buffering': 'no',
        });
        // streamable-http.mdx: a comment line now and then keeps a quiet listen stream from
        // being closed by intermediaries or idle timeouts.
        if (listening && limits.keepAliveMs !== undefined && limits.keepAliveMs > 0) {
          const opened = streaming;
          keepAlive = setInterval(() => opened.keepAlive(), limits.keepAliveMs);
          keepAlive.unref();
        }
      }
      // Past the high-water mark its events wait for the socket to drain; past the cap the
      // stream (and with it the request or subscription) ends, as no session is there to keep
      // its events for a resume.
      streaming.send(text, false);
    },
  });
  // Closing the response stream is the cancellation of a 2026-07-28 request. (`on`: a
  // response closes once, and once() would wrap the listener on every request.)
  res.on('close', () => {
    if (keepAlive !== undefined) clearInterval(keepAlive);
    limits.listens?.delete(session);
    if (!answered) session.close();
  });
  if (listening) limits.listens?.set(session, res);
  session.receiveDecoded({ kind: 'single', message });
}

/**
 * The id of a request's session (`ctx.session.id`): unique without a random UUID per call,
 * one random prefix per process (so front-door workers never collide) and a counter.
 */
let statelessIdPrefix: string | undefined;
let statelessCount = 0;
function statelessId(): string {
  statelessIdPrefix ??= `${randomUUID()}-`;
  return statelessIdPrefix + (statelessCount++).toString(36);
}

/**
 * Whom a stateless request acts for (its handles and tasks): a SHA-256 of its `Authorization`
 * header when it has one, so only the same credentials reach them; 'anonymous' otherwise,
 * where a handle or task id is a bearer reference that only its 128 random bits protect.
 */
function principalFor(req: IncomingMessage): string {
  const authorization = req.headers.authorization;
  return authorization === undefined || authorization === '' ? 'anonymous' : principalOf(authorization);
}
