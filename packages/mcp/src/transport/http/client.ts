import { ClientSession, type ClientSessionOptions } from '../../client/session';
import { createErrorResponse, isPlainObject } from '../../jsonrpc/codec';
import { JsonRpcError } from '../../jsonrpc/errors';
import type { JsonRpcErrorObject, JsonRpcPayload, RequestId } from '../../jsonrpc/types';

export interface ConnectHttpOptions extends Omit<ClientSessionOptions, 'send'> {
  /** The server's MCP endpoint, e.g. http://127.0.0.1:3000/mcp */
  url: string;
  /** Extra headers on every request (Authorization, ...). */
  headers?: Record<string, string>;
  /** Open the GET stream for server messages that belong to no request (default true). */
  openGetStream?: boolean;
}

export interface HttpClient {
  client: ClientSession;
  /** The Mcp-Session-Id the server issued, if it issued one. */
  readonly sessionId: string | undefined;
  /** Ends the session (DELETE), its streams, and the client. */
  close(): Promise<void>;
}

/** Calls `onData` with the data of each event of an SSE body (events without data are skipped). */
async function readSse(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) onData(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
    }
  }
}

function requestIds(payload: JsonRpcPayload): RequestId[] {
  const ids: RequestId[] = [];
  for (const message of Array.isArray(payload) ? payload : [payload]) {
    if ('method' in message && 'id' in message && message.id !== undefined) ids.push(message.id);
  }
  return ids;
}

/**
 * Our ClientSession over Streamable HTTP: each message is a POST, answered with JSON or an
 * SSE stream; the session id and protocol version headers follow the handshake. A failed
 * HTTP request fails the requests it carried (with the server's JSON-RPC error when it sent
 * one). Streams are not resumed after a network break.
 */
export async function connectHttp(options: ConnectHttpOptions): Promise<HttpClient> {
  const { url, headers = {}, openGetStream = true, ...clientOptions } = options;
  const abort = new AbortController();
  let sessionId: string | undefined;
  const baseHeaders = (): Record<string, string> => {
    const out: Record<string, string> = { ...headers };
    if (sessionId !== undefined) out['mcp-session-id'] = sessionId;
    if (client.protocolVersion !== undefined) out['mcp-protocol-version'] = client.protocolVersion;
    return out;
  };
  const fail = (payload: JsonRpcPayload, error: JsonRpcError): void => {
    for (const id of requestIds(payload)) client.receive(createErrorResponse(id, error));
  };

  const send = async (payload: JsonRpcPayload): Promise<void> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...baseHeaders(), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(payload),
      signal: abort.signal,
    });
    sessionId = res.headers.get('mcp-session-id') ?? sessionId;
    const type = res.headers.get('content-type') ?? '';
    if (res.status === 202 || res.body === null) return;
    if (!res.ok) {
      const text = await res.text();
      let error = new JsonRpcError(-32000, `HTTP ${res.status}: ${text.slice(0, 200)}`);
      try {
        const body: unknown = JSON.parse(text);
        const rpc = isPlainObject(body) && isPlainObject(body.error) ? body.error : undefined;
        if (rpc !== undefined && typeof rpc.code === 'number' && typeof rpc.message === 'string') {
          error = JsonRpcError.fromObject(rpc as unknown as JsonRpcErrorObject);
        }
      } catch {
        // Not JSON: the HTTP status says it.
      }
      return fail(payload, error);
    }
    if (type.includes('text/event-stream')) return readSse(res.body, (data) => client.receiveText(data));
    client.receiveText(await res.text());
  };

  const client: ClientSession = new ClientSession({
    ...clientOptions,
    send: (payload) =>
      send(payload).catch((error: unknown) => {
        if (!abort.signal.aborted) fail(payload, new JsonRpcError(-32000, `HTTP request failed: ${String(error)}`));
      }),
  });

  const close = async (): Promise<void> => {
    if (abort.signal.aborted) return;
    abort.abort();
    client.close();
    if (sessionId !== undefined) await fetch(url, { method: 'DELETE', headers: baseHeaders() }).then((res) => res.body?.cancel(), () => undefined);
  };
  try {
    await client.connect();
  } catch (error) {
    await close();
    throw error;
  }
  if (openGetStream) {
    void fetch(url, { headers: { ...baseHeaders(), accept: 'text/event-stream' }, signal: abort.signal })
      .then((res) => (res.ok && res.body !== null ? readSse(res.body, (data) => client.receiveText(data)) : res.body?.cancel()))
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
