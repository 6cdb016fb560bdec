import { encodeHeaderValue } from '../../client/param-headers';
import { ClientSession, type ClientSessionOptions } from '../../client/session';
import { createErrorResponse, encodePayload, isPlainObject, isRequestId } from '../../jsonrpc/codec';
import { JsonRpcError } from '../../jsonrpc/errors';
import type { JsonRpcPayload, RequestId } from '../../jsonrpc/types';
import { isModernProtocolVersion } from '../../protocol/versions';
import { errorOf, followStream, type StreamEndpoint } from './client-stream';
import { type ReconnectOptions, reconnectPolicy } from './reconnect';

export interface ConnectHttpOptions extends Omit<ClientSessionOptions, 'send'> {
  /** The server's MCP endpoint, e.g. http://127.0.0.1:3000/mcp */
  url: string;
  /** Extra headers on every request (Authorization, ...). */
  headers?: Record<string, string>;
  /** Open the GET stream for server messages that belong to no request (default true). */
  openGetStream?: boolean;
  /** How broken SSE streams are resumed (GET with Last-Event-ID): retries, waits, backoff. */
  reconnect?: ReconnectOptions;
  /** Aborting it closes the client, like close(): streams end, reconnection stops. */
  signal?: AbortSignal;
}

export interface HttpClient {
  client: ClientSession;
  /** The Mcp-Session-Id the server issued, if it issued one. */
  readonly sessionId: string | undefined;
  /** Ends the session (DELETE), its streams, any reconnection, and the client. */
  close: () => Promise<void>;
}

function requestIds(payload: JsonRpcPayload): RequestId[] {
  const ids: RequestId[] = [];
  for (const message of Array.isArray(payload) ? payload : [payload]) {
    if ('method' in message && 'id' in message && message.id !== undefined) ids.push(message.id);
  }
  return ids;
}

/** The requests a payload's notifications/cancelled name. */
function cancelledIds(payload: JsonRpcPayload): RequestId[] {
  const ids: RequestId[] = [];
  for (const message of Array.isArray(payload) ? payload : [payload]) {
    if (!('method' in message) || message.method !== 'notifications/cancelled' || !isPlainObject(message.params))
      continue;
    const id = message.params.requestId;
    if (isRequestId(id)) ids.push(id);
  }
  return ids;
}

/** Where `Mcp-Name` comes from, per method (2026-07-28, "Standard Request Headers"). */
const NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  // The tasks extension ("Streamable HTTP: Routing Headers"): a load balancer routes by the task id.
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};
const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

/**
 * The request metadata headers of a 2026-07-28 request (one whose `_meta` names its
 * revision): `MCP-Protocol-Version`, `Mcp-Method` and, for tools/call, prompts/get and
 * resources/read, `Mcp-Name`. The server compares them with the body.
 */
function modernHeaders(payload: JsonRpcPayload): Record<string, string> {
  if (Array.isArray(payload) || !('method' in payload) || !isPlainObject(payload.params)) return {};
  const meta = payload.params._meta;
  const version = isPlainObject(meta) ? meta[PROTOCOL_VERSION_KEY] : undefined;
  if (typeof version !== 'string') return {};
  const out: Record<string, string> = { 'mcp-protocol-version': version, 'mcp-method': payload.method };
  const nameKey = NAME_SOURCE[payload.method];
  const name = nameKey === undefined ? undefined : payload.params[nameKey];
  if (typeof name === 'string') out['mcp-name'] = encodeHeaderValue(name);
  return out;
}

/**
 * Our ClientSession over Streamable HTTP: each message is a POST, answered with JSON or an
 * SSE stream; the session id and protocol version headers follow the handshake. A failed
 * HTTP request fails the requests it carried (with the server's JSON-RPC error when it sent
 * one). An SSE stream that breaks before it has answered its requests is resumed with GET
 * and Last-Event-ID, and so is the GET stream (see {@link followStream}).
 */
export async function connectHttp(options: ConnectHttpOptions): Promise<HttpClient> {
  const { url, headers = {}, openGetStream = true, reconnect, signal, ...clientOptions } = options;
  const abort = new AbortController();
  let sessionId: string | undefined;
  const baseHeaders = (): Record<string, string> => {
    const out: Record<string, string> = { ...headers };
    if (sessionId !== undefined) out['mcp-session-id'] = sessionId;
    if (client.protocolVersion !== undefined) out['mcp-protocol-version'] = client.protocolVersion;
    return out;
  };
  const fail = (ids: Iterable<RequestId>, error: JsonRpcError): void => {
    for (const id of ids) client.receive(createErrorResponse(id, error));
  };
  const endpoint: StreamEndpoint = {
    url,
    signal: abort.signal,
    policy: reconnectPolicy(reconnect),
    headers: baseHeaders,
    deliver: (data) => client.receiveText(data),
    jsonLimits: clientOptions.jsonLimits,
    fail,
    report: (error) => clientOptions.onError?.(error),
  };

  // The requests each POST stream still owes an answer to, by request id. A request the
  // client cancels (or gives up on) leaves its stream's set: no answer will come for it, so
  // a stream that ends owing nothing else is not resumed for it.
  const owed = new Map<RequestId, Set<RequestId>>();
  // 2026-07-28 ("Cancellation"): closing a request's response stream is its cancellation, and
  // no notifications/cancelled is posted. Each POST of that revision can be closed on its own.
  const posts = new Map<RequestId, AbortController>();
  const send = async (payload: JsonRpcPayload): Promise<void> => {
    const cancelled = cancelledIds(payload);
    for (const id of cancelled) {
      owed.get(id)?.delete(id);
      owed.delete(id);
    }
    if (isModernProtocolVersion(client.protocolVersion) && cancelled.length > 0) {
      for (const id of cancelled) posts.get(id)?.abort();
      return;
    }
    const ids = requestIds(payload);
    const awaiting = new Set(ids);
    for (const id of ids) owed.set(id, awaiting);
    const own = new AbortController();
    const onClose = (): void => own.abort();
    abort.signal.addEventListener('abort', onClose, { once: true });
    for (const id of ids) posts.set(id, own);
    try {
      await post(payload, ids, awaiting, own.signal);
    } catch (error) {
      // A POST closed on purpose (its request cancelled, or the client closed) fails nothing more.
      if (!own.signal.aborted) throw error;
    } finally {
      abort.signal.removeEventListener('abort', onClose);
      for (const id of ids) {
        if (owed.get(id) === awaiting) owed.delete(id);
        if (posts.get(id) === own) posts.delete(id);
      }
    }
  };
  const post = async (
    payload: JsonRpcPayload,
    ids: RequestId[],
    awaiting: Set<RequestId>,
    signal: AbortSignal,
  ): Promise<void> => {
    const modern = Object.keys(modernHeaders(payload)).length > 0;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        ...baseHeaders(),
        ...modernHeaders(payload),
        ...paramHeaders(payload),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: encodePayload(payload),
      signal,
    });
    sessionId = res.headers.get('mcp-session-id') ?? sessionId;
    const type = res.headers.get('content-type') ?? '';
    if (res.status === 202 || res.body === null) return;
    if (!res.ok) return fail(ids, await errorOf(res));
    // A 2026-07-28 stream is not resumable: it ends with its request, or is closed to cancel it.
    if (type.includes('text/event-stream'))
      return followStream({ ...endpoint, signal, resumable: !modern }, res, awaiting);
    client.receiveText(await res.text());
  };
  /** `Mcp-Param-{Name}` for the tool's `x-mcp-header` arguments, as the client learnt them from tools/list. */
  const paramHeaders = (payload: JsonRpcPayload): Record<string, string> => {
    if (Array.isArray(payload) || !('method' in payload) || payload.method !== 'tools/call') return {};
    if (!isModernProtocolVersion(client.protocolVersion) || !isPlainObject(payload.params)) return {};
    return client.toolParamHeaders(payload.params);
  };

  const client: ClientSession = new ClientSession({
    ...clientOptions,
    mirrorParamHeaders: true,
    send: (payload) =>
      send(payload).catch((error: unknown) => {
        if (!abort.signal.aborted)
          fail(requestIds(payload), new JsonRpcError(-32000, `HTTP request failed: ${String(error)}`));
      }),
  });

  const close = async (): Promise<void> => {
    if (abort.signal.aborted) return;
    abort.abort();
    signal?.removeEventListener('abort', onAbort);
    client.close();
    if (sessionId !== undefined)
      await fetch(url, { method: 'DELETE', headers: baseHeaders() }).then(
        (res) => res.body?.cancel(),
        () => undefined,
      );
  };
  const onAbort = (): void => void close();
  if (signal?.aborted)
    throw signal.reason instanceof Error ? signal.reason : new Error('connectHttp: aborted before connecting');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
  } catch (error) {
    await close();
    throw error;
  }
  // 2026-07-28 has no GET stream (subscriptions/listen replaces it) and no session to end.
  if (openGetStream && !isModernProtocolVersion(client.protocolVersion)) {
    void fetch(url, { headers: { ...baseHeaders(), accept: 'text/event-stream' }, signal: abort.signal })
      .then((res) => {
        if (res.ok && res.body !== null) return followStream(endpoint, res, undefined);
        // 405: the server offers no GET stream, which the spec allows.
        return res.body?.cancel();
      })
      .catch(() => undefined);
  }
  return {
    client,
    get sessionId() {
      return sessionId;
    },
    close,
  };
}
