import type { ClientRequest, IncomingMessage } from 'node:http';

/** The body of a forwarded request is kept until its answer starts, up to this much, so it can be sent again. */
export const MAX_REPLAY_BYTES = 1024 * 1024;

/**
 * Bytes of one answer the owner may have sent a relay before the relay says its client took
 * them (credit-based flow control across NATS): past it, the owner stops reading the answer
 * from its own server, whose SSE queue and its limits then apply as for a local slow reader.
 */
export const CREDIT_WINDOW = 256 * 1024;

/** A body kept while it may have to be sent again (once, before any answer); null when not. */
export class ReplayableBody {
  private chunks: Buffer[] | null = [];
  private bytes = 0;

  keep(chunk: Buffer): void {
    if (this.chunks === null) return;
    this.bytes += chunk.length;
    // Past the limit the body is not kept: such a request is not sent again.
    if (this.bytes > MAX_REPLAY_BYTES) this.chunks = null;
    else this.chunks.push(chunk);
  }

  /** An answer started: the request is not sent again. */
  drop(): void {
    this.chunks = null;
  }

  /** The body to send again, once; null when the request may not be sent again. */
  take(): Buffer[] | null {
    const body = this.chunks;
    this.chunks = null;
    return body;
  }
}

/** A request another node passed here, as replayed against this node's server. */
export class Incoming {
  upstream!: ClientRequest;
  /** Its answer from this node's server, once it started. */
  answer: IncomingMessage | undefined;
  ended = false;
  readonly body = new ReplayableBody();
  /** Answer bytes sent to the relay that it has not credited yet. */
  unacked = 0;

  /** Sent `bytes` more: past the window, the answer waits for credit. */
  sent(bytes: number): void {
    this.unacked += bytes;
    if (this.unacked >= CREDIT_WINDOW) this.answer?.pause();
  }

  credit(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.unacked < CREDIT_WINDOW) this.answer?.resume();
  }

  /** Held for credit now. */
  get paused(): boolean {
    return this.answer?.isPaused() === true;
  }
}
