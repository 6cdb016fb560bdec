import { Pool, type Dispatcher } from 'undici';
import { INITIALIZED, initializeRequest, messagesOfBody, type OutgoingRequest } from './protocol';
import { TransportFailure, type VuSession } from './session';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/**
 * Connection pools to one MCP endpoint, one per loopback source address (undici Pool,
 * kept-alive connections): sessions are not connections, so many sessions share them.
 */
export class HttpPools {
  private readonly pools: Pool[];
  private next = 0;
  readonly path: string;

  constructor(url: string, connections: number, sourceAddresses: Array<string | undefined> = [undefined]) {
    const target = new URL(url);
    this.path = target.pathname;
    const each = Math.max(1, Math.ceil(connections / sourceAddresses.length));
    this.pools = sourceAddresses.map(
      (localAddress) =>
        new Pool(target.origin, {
          connections: each,
          pipelining: 1,
          keepAliveTimeout: 60_000,
          headersTimeout: 0,
          bodyTimeout: 0,
          ...(localAddress === undefined ? {} : { localAddress }),
        }),
    );
  }

  pick(): Dispatcher {
    return this.pools[this.next++ % this.pools.length]!;
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
  }
}

/** The JSON-RPC answer to `id` among an HTTP body's messages (SSE may carry notifications first). */
function answerOf(messages: unknown[], id: number): unknown {
  const answers = messages.filter((m) => (m as { method?: unknown } | null)?.method === undefined);
  if (answers.length === 0) throw new TransportFailure(`no answer to request ${id} in the body`, 'mismatch');
  return answers.find((m) => (m as { id?: unknown }).id === id) ?? answers[0];
}

/** A Streamable HTTP session: its id in the mcp-session-id header of every request. */
export class HttpSession implements VuSession {
  private sessionId: string | undefined;

  constructor(
    readonly vu: number,
    private readonly pools: HttpPools,
  ) {}

  private async post(
    body: string,
  ): Promise<{ status: number; contentType: string | undefined; text: string; sessionId: string | undefined }> {
    const headers: Record<string, string> =
      this.sessionId === undefined ? HEADERS : { ...HEADERS, 'mcp-session-id': this.sessionId };
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pools.pick().request({ path: this.pools.path, method: 'POST', headers, body });
    } catch (error) {
      throw new TransportFailure(`POST failed: ${(error as Error).message}`, 'transport');
    }
    const text = await res.body.text();
    const contentType = res.headers['content-type'];
    const sessionId = res.headers['mcp-session-id'];
    return {
      status: res.statusCode,
      contentType: Array.isArray(contentType) ? contentType[0] : contentType,
      text,
      sessionId: typeof sessionId === 'string' ? sessionId : undefined,
    };
  }

  async open(): Promise<void> {
    const init = initializeRequest(0, this.vu);
    const res = await this.post(init.body);
    if (res.status !== 200) throw new TransportFailure(`initialize: HTTP ${res.status}`, 'status');
    if (res.sessionId === undefined) throw new TransportFailure('initialize: no mcp-session-id', 'mismatch');
    const wrong = init.check(answerOf(messagesOfBody(res.text, res.contentType), 0));
    if (wrong !== undefined) throw new TransportFailure(`initialize: ${wrong}`, 'mismatch');
    this.sessionId = res.sessionId;
    const note = await this.post(INITIALIZED);
    if (note.status !== 202) throw new TransportFailure(`notifications/initialized: HTTP ${note.status}`, 'status');
  }

  async send(request: OutgoingRequest): Promise<unknown> {
    const res = await this.post(request.body);
    if (res.status !== 200) throw new TransportFailure(`${request.op}: HTTP ${res.status}`, 'status');
    let messages: unknown[];
    try {
      messages = messagesOfBody(res.text, res.contentType);
    } catch {
      throw new TransportFailure(`${request.op}: a body that is not JSON-RPC`, 'mismatch');
    }
    return answerOf(messages, request.id);
  }

  /** DELETE ends the session on the server. */
  async close(): Promise<void> {
    if (this.sessionId === undefined) return;
    const res = await this.pools
      .pick()
      .request({ path: this.pools.path, method: 'DELETE', headers: { 'mcp-session-id': this.sessionId } });
    await res.body.dump();
    this.sessionId = undefined;
  }
}
