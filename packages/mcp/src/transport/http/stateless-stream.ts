import type { ServerResponse } from 'node:http';
import { OutboundOverflowError } from '../backpressure';

/** The limits of one stateless request's SSE stream: those of a session's streams. */
export interface StatelessStreamLimits {
  /** Above this many bytes unread by the client, events wait in order until its socket drains. */
  highWater: number;
  /** Above this many bytes unread and waiting, the stream is cut and its request ends. */
  maxOutbound: number;
  onError?: (error: Error) => void;
}

/**
 * @internal
 * The SSE stream of one 2026-07-28 request (progress, logs, a subscription's notifications,
 * then the answer). Like a session's stream, it writes to the socket only while less than
 * `outboundHighWaterBytes` is unread there; later events wait, in order, for 'drain'. Unlike
 * a session's, nothing is kept for a resume (the revision has none): past `maxOutboundBytes`
 * unread and waiting, the response is destroyed, which cancels the request.
 */
export class StatelessSseStream {
  private queue: string[] = [];
  private queuedBytes = 0;
  /** The answer has been sent: nothing more is taken, and the response ends once the queue is out. */
  private closed = false;
  private draining = false;
  /**
   * The limit, floored at the response's own high-water mark: below that a write returns
   * true, no 'drain' follows, and events held for one would wait for ever.
   */
  private readonly highWater: number;

  constructor(
    private readonly res: ServerResponse,
    private readonly limits: StatelessStreamLimits,
  ) {
    this.highWater = Math.max(limits.highWater, res.writableHighWaterMark);
  }

  /** Bytes unread by the client: in the socket's buffer and waiting here. */
  get bufferedBytes(): number {
    return this.res.writableLength + this.queuedBytes;
  }

  /** One event; `last` ends the response after it. */
  send(text: string, last: boolean): void {
    if (this.closed || this.res.destroyed) return;
    this.closed = last;
    const event = `event: message\ndata: ${text}\n\n`;
    if (this.queue.length === 0 && this.res.writableLength <= this.highWater) {
      if (last) this.res.end(event);
      else this.res.write(event);
    } else {
      this.queue.push(event);
      this.queuedBytes += Buffer.byteLength(event);
      this.waitForDrain();
    }
    if (this.bufferedBytes > this.limits.maxOutbound) {
      this.limits.onError?.(new OutboundOverflowError(this.bufferedBytes, this.limits.maxOutbound));
      this.queue = [];
      this.queuedBytes = 0;
      this.res.destroy();
    }
  }

  /**
   * A keep-alive comment line, written only when nothing waits and the socket is below the
   * high-water mark: it exists to show the connection is alive, and a stream with events
   * queued shows that already.
   */
  keepAlive(): void {
    if (this.closed || this.res.destroyed || this.queue.length > 0) return;
    if (this.res.writableLength <= this.highWater) this.res.write(':\n\n');
  }

  private waitForDrain(): void {
    if (this.draining) return;
    this.draining = true;
    this.res.once('drain', () => {
      this.draining = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.res.destroyed) {
      if (this.res.writableLength > this.highWater) return this.waitForDrain();
      const event = this.queue.shift()!;
      this.queuedBytes -= Buffer.byteLength(event);
      if (this.queue.length === 0 && this.closed) this.res.end(event);
      else this.res.write(event);
    }
  }
}
