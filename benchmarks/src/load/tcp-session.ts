import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { INITIALIZED, initializeRequest, type OutgoingRequest } from './protocol';
import { PendingAnswers, TransportFailure, type VuSession } from './session';

/** An MCP session over its own TCP connection, NDJSON (one message a line), answers matched by id. */
export class TcpSession implements VuSession {
  private socket: Socket | undefined;
  private readonly pending: PendingAnswers;

  constructor(
    readonly vu: number,
    private readonly port: number,
    onStray: (answer: unknown) => void,
    private readonly localAddress?: string,
    onLate?: () => void,
  ) {
    this.pending = new PendingAnswers(onStray, onLate);
  }

  async open(): Promise<void> {
    const socket = connect({
      host: '127.0.0.1',
      port: this.port,
      noDelay: true,
      ...(this.localAddress === undefined ? {} : { localAddress: this.localAddress }),
    });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error) => reject(new TransportFailure(`TCP: ${error.message}`, 'transport')));
    });
    socket.on('error', () => undefined); // the close that follows fails what is pending
    createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => {
      if (line !== '') this.pending.deliver(line);
    });
    socket.on('close', () => this.pending.failAll(new TransportFailure('TCP connection closed', 'transport')));
    const init = initializeRequest(0, this.vu);
    const wrong = init.check(await this.send(init));
    if (wrong !== undefined) throw new TransportFailure(`initialize: ${wrong}`, 'mismatch');
    socket.write(INITIALIZED + '\n');
  }

  send(request: OutgoingRequest): Promise<unknown> {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed)
      return Promise.reject(new TransportFailure('TCP connection not open', 'transport'));
    const answer = this.pending.expect(request.id);
    socket.write(request.body + '\n');
    return answer;
  }

  forget(id: number): void {
    this.pending.forget(id);
  }

  close(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }
}
