import { OutboundOverflowError } from '../backpressure';

/**
 * An SSE stream was ended because its client left more than `maxOutboundBytes` unread. The
 * session lives on, and the stream's undelivered events are kept: a client that resumes with
 * Last-Event-ID gets them. `resumable` says whether the session's protocol revision lets a
 * server end a stream for the client to resume (2025-11-25, SEP-1699); before it, the stream
 * was cut (its socket destroyed), and only a client that resumes on its own gets the rest.
 */
export class SseStreamOverflowError extends OutboundOverflowError {
  constructor(
    buffered: number,
    limit: number,
    readonly sessionId: string,
    readonly streamId: string,
    readonly resumable: boolean,
  ) {
    super(buffered, limit);
    this.name = 'SseStreamOverflowError';
    this.message =
      `SSE stream ${streamId} of session ${sessionId}: ${buffered} bytes unread by the client, over the limit of ${limit}; ` +
      (resumable
        ? 'stream ended, resume it with Last-Event-ID'
        : 'stream cut (this protocol revision has no server-ended streams)');
  }
}

/** What {@link StreamableHttpHandler.streams} reports of one SSE stream. */
export interface SseStreamState {
  readonly sessionId: string;
  /** 's' for the GET stream, 'p<n>' for a POST's. */
  readonly streamId: string;
  /** Whether a client is connected to it now. */
  readonly connected: boolean;
  /** Bytes written to its socket and not yet taken by the kernel, plus {@link queuedBytes}. */
  readonly bufferedBytes: number;
  /** Bytes of events held back: not written to the socket yet, kept for the client. */
  readonly queuedBytes: number;
}
