import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { type BackpressureLimits, OutboundOverflowError } from './backpressure';
import type { FrameInput } from './frame-channel';

/** What a server can see of one accepted WebSocket connection. */
export interface WebSocketConnectionState {
  /** Its session id. */
  readonly id: string;
  /** Outbound bytes sent but not yet taken by the peer (`ws.bufferedAmount`). */
  readonly bufferedBytes: number;
  /** True while its messages are not read because the peer is not reading ours. */
  readonly readingPaused: boolean;
  /** Set when the connection was closed for leaving too much unread. */
  readonly closeReason: OutboundOverflowError | undefined;
}

/** The close code and reason sent to a peer that left more than the hard cap unread. */
export const OVERFLOW_CLOSE_CODE = 1008;
export const OVERFLOW_CLOSE_REASON = 'outbound buffer overflow: the client is not reading';

/**
 * One server WebSocket with backpressure: above the high-water mark its messages stop being
 * read (the socket is paused, and messages already parsed from the last chunk wait here, in
 * order) until what was sent has been written out; above the hard cap the connection is
 * closed with 1008.
 */
export class WebSocketConnection implements WebSocketConnectionState {
  private paused = false;
  private reason: OutboundOverflowError | undefined;
  /** Messages received while paused; made when first needed. */
  private held: FrameInput[] | undefined;

  constructor(
    readonly id: string,
    private readonly ws: WebSocket,
    /** The upgraded socket under `ws`: corked while a coalesced run of messages is sent. */
    private readonly socket: Duplex | undefined,
    private readonly limits: BackpressureLimits,
    /** Where input goes when it is not held back. */
    private readonly deliver: (input: FrameInput) => void,
    private readonly onOverflow: (error: OutboundOverflowError) => void,
  ) {}

  /** Input from the socket: delivered now, or held while the peer is not reading. */
  receive(input: FrameInput): void {
    if (input.kind === 'closed') {
      // Nothing held can be answered on a closed socket.
      this.held = undefined;
      this.paused = false;
      this.deliver(input);
    } else if (this.paused || this.held !== undefined) (this.held ??= []).push(input);
    else this.deliver(input);
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  get readingPaused(): boolean {
    return this.paused;
  }

  get closeReason(): OutboundOverflowError | undefined {
    return this.reason;
  }

  send(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // Every message carries the same callback: the last one written out finds the buffer
    // below the mark (messages sent after it without pausing fit under it), so a pause
    // always ends once the peer reads again.
    this.ws.send(text, this.written);
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.limits.max) this.overflow(buffered);
    else if (buffered > this.limits.highWater && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
  }

  /**
   * Several messages at once (a coalescer's window): each its own WebSocket message (MCP has
   * no JSON-RPC batches since 2025-06-18, and RFC 6455 messages are the framing), sent with
   * the socket corked so that their frames leave in one TCP write.
   */
  readonly sendMany = (texts: readonly string[]): void => {
    const socket = this.socket;
    if (texts.length === 1 || socket === undefined) {
      for (const text of texts) this.send(text);
      return;
    }
    socket.cork();
    try {
      for (const text of texts) this.send(text);
    } finally {
      socket.uncork();
    }
  };

  private readonly written = (): void => {
    if (!this.paused) return;
    if (this.ws.readyState !== WebSocket.OPEN) {
      // Closed from our side while paused (the session ended): nothing held will be answered,
      // and the peer's close frame must be read for the close to complete before ws's timer.
      this.paused = false;
      this.held = undefined;
      this.ws.resume();
      return;
    }
    if (this.ws.bufferedAmount > this.limits.highWater) return;
    this.paused = false;
    // Held messages go first, in order; any of them may fill the buffer again.
    const held = this.held;
    if (held !== undefined) {
      let next = 0;
      while (next < held.length && !this.paused && this.ws.readyState === WebSocket.OPEN) this.deliver(held[next++]);
      if (this.ws.readyState !== WebSocket.OPEN) {
        this.held = undefined;
        this.ws.resume();
        return;
      }
      if (next < held.length) {
        this.held = held.slice(next);
        return;
      }
      this.held = undefined;
    }
    if (!this.paused && this.ws.readyState === WebSocket.OPEN) this.ws.resume();
  };

  private overflow(buffered: number): void {
    this.reason = new OutboundOverflowError(buffered, this.limits.max);
    this.paused = false;
    this.held = undefined;
    // The close frame waits behind what is unread; ws destroys the socket if the peer never
    // answers it. Reading again lets a peer that does answer complete the close.
    this.ws.close(OVERFLOW_CLOSE_CODE, OVERFLOW_CLOSE_REASON);
    this.ws.resume();
    this.onOverflow(this.reason);
  }
}
