import { isPlainObject, isRequestId, parseFrameText } from '../../jsonrpc/codec';
import type { JsonLimits } from '../../jsonrpc/json-limits';
import { JsonRpcError } from '../../jsonrpc/errors';
import type { JsonRpcErrorObject, RequestId } from '../../jsonrpc/types';
import { pause, reconnectDelay, type ReconnectPolicy } from './reconnect';
import { readSse } from './sse-reader';

/** What a followed stream needs from its connection. */
export interface StreamEndpoint {
  readonly url: string;
  /** Aborted by close(): ends every stream and every wait for a reconnection. */
  readonly signal: AbortSignal;
  readonly policy: ReconnectPolicy;
  /** The connection's headers (session id, protocol version, the caller's own). */
  headers(): Record<string, string>;
  /** One message's text, for the client session. */
  deliver(data: string): void;
  /** The client session's limits, for the ids read from each message. */
  readonly jsonLimits?: JsonLimits;
  /** Fails requests that will get no answer. */
  fail(ids: Iterable<RequestId>, error: JsonRpcError): void;
  /** Reports trouble that fails no request (the GET stream lost, a reconnection refused). */
  report(error: Error): void;
  /** False for 2026-07-28 streams, which cannot be resumed ("Resumable SSE streams ... are not supported"). */
  readonly resumable?: boolean;
}

/** Event ids remembered per stream to drop replayed duplicates; ids only grow, so the recent ones suffice. */
const SEEN_IDS = 1024;

/** The JSON-RPC error a failed HTTP response carries, or one naming its status. */
export async function errorOf(res: Response): Promise<JsonRpcError> {
  const text = await res.text().catch(() => '');
  try {
    const body = parseFrameText(text);
    const rpc = isPlainObject(body) && isPlainObject(body.error) ? body.error : undefined;
    if (rpc !== undefined && typeof rpc.code === 'number' && typeof rpc.message === 'string') {
      return JsonRpcError.fromObject(rpc as unknown as JsonRpcErrorObject);
    }
  } catch {
    // Not JSON: the HTTP status says it.
  }
  return new JsonRpcError(-32000, `HTTP ${res.status}: ${text.slice(0, 200)}`);
}

/** Ids of the responses in one message's text (a response or a batch of them). */
function responseIds(data: string, limits: JsonLimits | undefined): RequestId[] {
  let value: unknown;
  try {
    value = parseFrameText(data, limits);
  } catch {
    return [];
  }
  const ids: RequestId[] = [];
  for (const message of Array.isArray(value) ? value : [value]) {
    if (!isPlainObject(message) || 'method' in message) continue;
    const id = message.id;
    if (isRequestId(id)) ids.push(id);
  }
  return ids;
}

/**
 * Reads one logical SSE stream to its end, across reconnections: a POST's stream (`awaiting`
 * holds the ids of the requests it must answer) or the standalone GET stream (`awaiting`
 * undefined). When the connection breaks or ends early, it reconnects with GET and
 * Last-Event-ID (MCP 2025-11-25, "Resumability and Redelivery") after the server's `retry:`
 * wait or a backoff, and drops events it has already delivered. A POST stream is done once
 * all its requests are answered; one that cannot be resumed (no event id, session gone,
 * retries spent) fails the requests still waiting.
 */
export async function followStream(
  endpoint: StreamEndpoint,
  first: Response,
  awaiting: Set<RequestId> | undefined,
): Promise<void> {
  const seen = new Set<string>();
  let lastEventId: string | undefined;
  let retryMs: number | undefined;
  let response: Response | undefined = first;
  let attempt = 0;
  let lastFailure = 'the stream ended';

  const consume = (res: Response): Promise<void> =>
    readSse(res.body as ReadableStream<Uint8Array>, (event) => {
      if (event.retry !== undefined) retryMs = event.retry;
      if (event.id !== undefined) {
        // A replay may repeat what already came through: deliver each event once.
        if (seen.has(event.id)) return;
        seen.add(event.id);
        if (seen.size > SEEN_IDS) seen.delete(seen.values().next().value as string);
        lastEventId = event.id;
      }
      if (event.data === '') return;
      if (awaiting !== undefined && awaiting.size > 0)
        for (const id of responseIds(event.data, endpoint.jsonLimits)) awaiting.delete(id);
      endpoint.deliver(event.data);
    });

  const giveUp = (reason: string): void => {
    if (awaiting === undefined) endpoint.report(new Error(`The SSE stream was lost: ${reason}`));
    else if (awaiting.size > 0)
      endpoint.fail(awaiting, new JsonRpcError(-32000, `The SSE stream broke before the response: ${reason}`));
  };

  for (;;) {
    if (response !== undefined) {
      try {
        await consume(response);
        lastFailure = 'the stream ended';
      } catch (error) {
        lastFailure = `the stream broke (${error instanceof Error ? error.message : String(error)})`;
      }
      response = undefined;
    }
    if (endpoint.signal.aborted || (awaiting !== undefined && awaiting.size === 0)) return;
    if (endpoint.resumable === false) return giveUp(`${lastFailure}, and streams of this revision are not resumed`);
    // A POST stream without an event id cannot be asked for again; the GET stream always can.
    if (awaiting !== undefined && lastEventId === undefined)
      return giveUp(`${lastFailure}, and it carried no event id to resume from`);
    if (attempt >= endpoint.policy.maxRetries) return giveUp(`${lastFailure}; ${attempt} reconnection attempts failed`);
    if (!(await pause(reconnectDelay(attempt, retryMs, endpoint.policy), endpoint.signal))) return;
    attempt += 1;
    const headers: Record<string, string> = { ...endpoint.headers(), accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    let res: Response;
    try {
      res = await fetch(endpoint.url, { method: 'GET', headers, signal: endpoint.signal });
    } catch (error) {
      if (endpoint.signal.aborted) return;
      lastFailure = `reconnecting failed (${error instanceof Error ? error.message : String(error)})`;
      continue;
    }
    if (res.ok && res.body !== null && (res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      // Connected again: the count starts over (a polling server closes its stream on purpose, often).
      attempt = 0;
      response = res;
      continue;
    }
    const error = res.ok ? new JsonRpcError(-32000, `HTTP ${res.status}: not an event stream`) : await errorOf(res);
    await res.body?.cancel().catch(() => undefined);
    // The session is gone, or the server has no GET stream: asking again will not help.
    if (res.status === 404) {
      if (awaiting === undefined) endpoint.report(error);
      else endpoint.fail(awaiting, error);
      return;
    }
    if (res.status === 405 && awaiting === undefined) return;
    lastFailure = `reconnecting was refused (${error.message})`;
    endpoint.report(new Error(`SSE reconnection refused: ${error.message}`));
  }
}
