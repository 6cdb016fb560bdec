import { type Dispatcher, request } from 'undici';
import { SseEvents } from './sse-events';

/** How one request ended. `lost`: neither an answer nor a JSON-RPC error before its deadline. */
export type Outcome =
  | { kind: 'answered'; resumed: boolean; retried: boolean }
  | { kind: 'failed'; cause: string }
  | { kind: 'mismatched'; detail: string }
  | { kind: 'lost'; detail: string };

export interface CallOptions {
  /** Abort the stream once its first event is in, and resume it with Last-Event-ID. */
  drop: boolean;
  /** Give up (the request is lost) at this time (performance.now()). */
  deadline: number;
}

const PROTOCOL = '2025-11-25';

interface JsonRpcReply {
  id?: unknown;
  method?: string;
  result?: { isError?: boolean; content?: Array<{ type: string; text?: string }> } & Record<string, unknown>;
  error?: { code: number; message: string };
}

/** A connection-level failure (refused, reset, closed mid-body): the request may be retried or resumed. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED' ||
    code === 'ECONNABORTED' ||
    code === 'UND_ERR_ABORTED' ||
    // The request's own deadline (headersTimeout, bodyTimeout): the loop ends it as lost.
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    (error as Error | null)?.name === 'AbortError'
  );
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What reading one SSE (or JSON) answer produced. */
type Read =
  | { kind: 'reply'; reply: JsonRpcReply }
  | { kind: 'cut'; lastEventId: string | undefined }
  | { kind: 'status'; status: number; reply: JsonRpcReply | undefined };

/**
 * One virtual user's MCP session over Streamable HTTP, on undici. Every request is followed to
 * an end: its answer, a JSON-RPC error, or (after its deadline) lost. A stream cut before the
 * answer is resumed with Last-Event-ID; a POST refused before any event (the listener down)
 * is sent again with a fresh id (the tools it calls are idempotent).
 */
export class ChaosClient {
  sessionId: string | undefined;
  private nextId = 1;

  constructor(
    private readonly url: string,
    private readonly dispatcher: Dispatcher,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-protocol-version': PROTOCOL,
      ...extra,
    };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    return headers;
  }

  /** Opens a session; an Outcome like any request (its answer is the initialize result). */
  async initialize(deadline: number): Promise<Outcome> {
    this.sessionId = undefined;
    const outcome = await this.send(
      'initialize',
      { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'chaos', version: '1' } },
      { drop: false, deadline },
      (result) => (typeof result.protocolVersion === 'string' ? undefined : 'no protocolVersion'),
    );
    if (outcome.kind !== 'answered') {
      this.sessionId = undefined;
      return outcome;
    }
    // notifications/initialized: 202, no body; sent again while the listener is down (it is idempotent).
    while (performance.now() < deadline) {
      try {
        const res = await request(this.url, {
          dispatcher: this.dispatcher,
          method: 'POST',
          headers: this.headers(),
          body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        });
        await res.body.dump();
        if (res.statusCode === 202) return outcome;
        this.sessionId = undefined;
        return {
          kind: 'failed',
          cause: res.statusCode === 404 ? 'session_gone' : `initialized_http_${res.statusCode}`,
        };
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        await pause(20);
      }
    }
    this.sessionId = undefined;
    return { kind: 'lost', detail: 'notifications/initialized: posting' };
  }

  /** tools/call `work`; the answer must carry back `text`. */
  callWork(shard: number, text: string, delayMs: number, options: CallOptions): Promise<Outcome> {
    return this.send('tools/call', { name: 'work', arguments: { shard, text, delayMs } }, options, (result) => {
      const got = result.content?.[0]?.text;
      return got === text ? undefined : `expected ${JSON.stringify(text)}, got ${JSON.stringify(got)}`;
    });
  }

  private async send(
    method: string,
    params: Record<string, unknown>,
    options: CallOptions,
    check: (result: NonNullable<JsonRpcReply['result']>) => string | undefined,
  ): Promise<Outcome> {
    let retried = false;
    let resumed = false;
    let dropped = !options.drop;
    let stage = 'never sent';
    while (performance.now() < options.deadline) {
      stage = `${method}: posting${retried ? ' again' : ''}`;
      const id = this.nextId++;
      let read: Read;
      try {
        read = await this.post(id, method, params, dropped ? undefined : () => (dropped = true), options.deadline);
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        // Refused or reset before any event: it may never have reached the server; sent again, new id.
        retried = true;
        await pause(20);
        continue;
      }
      // Cut after an event: resume the stream where it broke, until the answer or a refusal.
      while (read.kind === 'cut' && performance.now() < options.deadline) {
        if (read.lastEventId === undefined) break;
        resumed = true;
        stage = `${method}: resuming after ${read.lastEventId}`;
        try {
          read = await this.resume(id, read.lastEventId, options.deadline);
        } catch (error) {
          if (!isConnectionError(error)) throw error;
          await pause(20);
        }
      }
      if (read.kind === 'cut') {
        if (read.lastEventId === undefined) {
          retried = true;
          continue;
        }
        break; // the deadline passed while resuming
      }
      if (read.kind === 'status') return { kind: 'failed', cause: statusCause(read.status, read.reply) };
      return classify(read.reply, check, resumed, retried);
    }
    return { kind: 'lost', detail: stage };
  }

  /** POSTs one request and reads its answer; `onFirstEvent` asks for the stream to be cut after its first event. */
  private async post(
    id: number,
    method: string,
    params: Record<string, unknown>,
    cutAfterFirst: (() => void) | undefined,
    deadline: number,
  ): Promise<Read> {
    const res = await request(this.url, {
      dispatcher: this.dispatcher,
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      headersTimeout: Math.max(1, deadline - performance.now()),
      bodyTimeout: Math.max(1, deadline - performance.now()),
    });
    if (method === 'initialize') {
      const sid = res.headers['mcp-session-id'];
      if (typeof sid === 'string') this.sessionId = sid;
    }
    return this.readAnswer(res, id, cutAfterFirst, undefined);
  }

  /** GET with Last-Event-ID: the rest of a POST stream. */
  private async resume(id: number, lastEventId: string, deadline: number): Promise<Read> {
    const res = await request(this.url, {
      dispatcher: this.dispatcher,
      method: 'GET',
      headers: this.headers({ accept: 'text/event-stream', 'last-event-id': lastEventId }),
      headersTimeout: Math.max(1, deadline - performance.now()),
      bodyTimeout: Math.max(1, deadline - performance.now()),
    });
    return this.readAnswer(res, id, undefined, lastEventId);
  }

  private async readAnswer(
    res: Dispatcher.ResponseData,
    id: number,
    cutAfterFirst: (() => void) | undefined,
    lastEventId: string | undefined,
  ): Promise<Read> {
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch(() => '');
      return { kind: 'status', status: res.statusCode, reply: parseReply(text) };
    }
    if (!type.includes('text/event-stream')) {
      const reply = parseReply(await res.body.text());
      return reply === undefined ? { kind: 'status', status: 200, reply } : { kind: 'reply', reply };
    }
    const events = new SseEvents();
    let last = lastEventId;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        for (const event of events.push(chunk.toString('utf8'))) {
          if (event.id !== undefined) last = event.id;
          const reply = event.data === '' ? undefined : parseReply(event.data);
          if (reply !== undefined && reply.method === undefined && reply.id === id) {
            res.body.destroy();
            return { kind: 'reply', reply };
          }
        }
        // The connection breaks after what has arrived: what this chunk carried was read.
        if (cutAfterFirst !== undefined && last !== undefined) {
          cutAfterFirst();
          res.body.destroy();
          return { kind: 'cut', lastEventId: last };
        }
      }
    } catch (error) {
      if (!isConnectionError(error)) throw error;
    }
    return { kind: 'cut', lastEventId: last };
  }
}

function parseReply(text: string): JsonRpcReply | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonRpcReply) : undefined;
  } catch {
    return undefined;
  }
}

function statusCause(status: number, reply: JsonRpcReply | undefined): string {
  if (status === 404) return 'session_gone';
  if (reply?.error === undefined) return `http_${status}_no_jsonrpc_error`;
  return `http_${status}:${reply.error.message.slice(0, 48)}`;
}

function classify(
  reply: JsonRpcReply,
  check: (result: NonNullable<JsonRpcReply['result']>) => string | undefined,
  resumed: boolean,
  retried: boolean,
): Outcome {
  if (reply.error !== undefined) {
    const { code, message } = reply.error;
    if (code === -32001) return { kind: 'failed', cause: 'handler_timeout' };
    if (code === -32005) return { kind: 'failed', cause: 'in_flight_limit' };
    return { kind: 'failed', cause: `rpc_${code}:${message.slice(0, 40)}` };
  }
  const result = reply.result;
  if (result === undefined) return { kind: 'mismatched', detail: 'neither result nor error' };
  if (result.isError === true) {
    const text = result.content?.[0]?.text ?? '';
    // The tool's worker was killed under the call, or was not back yet (restarting).
    if (/exited|noproc|not alive|no process|timed out|scheduler_down|killed/i.test(text))
      return { kind: 'failed', cause: 'worker_exit' };
    return { kind: 'failed', cause: `tool_error:${text.slice(0, 40)}` };
  }
  const wrong = check(result);
  return wrong === undefined ? { kind: 'answered', resumed, retried } : { kind: 'mismatched', detail: wrong };
}
