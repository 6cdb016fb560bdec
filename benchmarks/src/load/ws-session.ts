import { WebSocket } from 'ws';
import { INITIALIZED, initializeRequest, type OutgoingRequest } from './protocol';
import { PendingAnswers, TransportFailure, type VuSession } from './session';

/** An MCP session over its own WebSocket (subprotocol "mcp"), answers matched by id. */
export class WsSession implements VuSession {
  private ws: WebSocket | undefined;
  private readonly pending: PendingAnswers;

  constructor(
    readonly vu: number,
    private readonly url: string,
    onStray: (answer: unknown) => void,
    private readonly localAddress?: string,
    onLate?: () => void,
  ) {
    this.pending = new PendingAnswers(onStray, onLate);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  async open(): Promise<void> {
    const ws = new WebSocket(this.url, 'mcp', {
      perMessageDeflate: false,
      ...(this.localAddress === undefined ? {} : { localAddress: this.localAddress }),
    });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', (error) => reject(new TransportFailure(`WebSocket: ${error.message}`, 'transport')));
    });
    ws.on('error', () => undefined); // the close that follows fails what is pending
    ws.on('message', (data) => this.pending.deliver((data as Buffer).toString('utf8')));
    ws.on('close', (code) => this.pending.failAll(new TransportFailure(`WebSocket closed (${code})`, 'transport')));
    const init = initializeRequest(0, this.vu);
    const wrong = init.check(await this.send(init));
    if (wrong !== undefined) throw new TransportFailure(`initialize: ${wrong}`, 'mismatch');
    ws.send(INITIALIZED);
  }

  send(request: OutgoingRequest): Promise<unknown> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new TransportFailure('WebSocket not open', 'transport'));
    const answer = this.pending.expect(request.id);
    ws.send(request.body);
    return answer;
  }

  /** Gives up on a request (timed out): a late answer is then a stray. */
  forget(id: number): void {
    this.pending.forget(id);
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      ws.terminate();
    });
  }
}
