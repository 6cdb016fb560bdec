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

interface PostAnswer {
  status: number;
  contentType: string | undefined;
  text: string;
  sessionId: string | undefined;
}

/** A Streamable HTTP session: its id in the mcp-session-id header of every request. */
export class HttpSession implements VuSession {
  private sessionId: string | undefined;
  /** The headers of every request once the session has its id (built once, not per request). */
  private headers: Record<string, string> | undefined;

  constructor(
    readonly vu: number,
    private readonly pools: HttpPools,
  ) {}

  /**
   * One POST through undici's handler API (`dispatch`), not `request`: no Readable body
   * stream, no header object for what is not read. The generator shares the cores with the
   * server under test, and at 10K+ requests/s its CPU per request decides whether it keeps
   * its schedule.
   */
  private post(body: string): Promise<PostAnswer> {
    const headers = this.headers ?? HEADERS;
    return new Promise((resolve, reject) => {
      let status = 0;
      let contentType: string | undefined;
      let sessionId: string | undefined;
      let first: Buffer | undefined;
      let rest: Buffer[] | undefined;
      this.pools.pick().dispatch(
        { path: this.pools.path, method: 'POST', headers, body },
        {
          onConnect: () => undefined,
          onHeaders: (statusCode, raw) => {
            status = statusCode;
            for (let i = 0; i + 1 < raw.length; i += 2) {
              const name = raw[i]!.toString('latin1').toLowerCase();
              if (name === 'content-type') contentType = raw[i + 1]!.toString('latin1');
              else if (name === 'mcp-session-id') sessionId = raw[i + 1]!.toString('latin1');
            }
            return true;
          },
          onData: (chunk) => {
            if (first === undefined) first = chunk;
            else (rest ??= [first]).push(chunk);
            return true;
          },
          onComplete: () => {
            const all = rest !== undefined ? Buffer.concat(rest) : first;
            resolve({ status, contentType, text: all === undefined ? '' : all.toString('utf8'), sessionId });
          },
          onError: (error) => reject(new TransportFailure(`POST failed: ${error.message}`, 'transport')),
        },
      );
    });
  }

  async open(): Promise<void> {
    const init = initializeRequest(0, this.vu);
    const res = await this.post(init.body);
    if (res.status !== 200) throw new TransportFailure(`initialize: HTTP ${res.status}`, 'status');
    if (res.sessionId === undefined) throw new TransportFailure('initialize: no mcp-session-id', 'mismatch');
    const wrong = init.check(answerOf(messagesOfBody(res.text, res.contentType), 0));
    if (wrong !== undefined) throw new TransportFailure(`initialize: ${wrong}`, 'mismatch');
    this.sessionId = res.sessionId;
    this.headers = { ...HEADERS, 'mcp-session-id': res.sessionId };
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
    this.headers = undefined;
  }
}
