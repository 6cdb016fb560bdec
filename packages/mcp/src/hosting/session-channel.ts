import type { RequestId, SendFn } from '../jsonrpc/types';
import type { ServerSession } from '../server/session';

/**
 * The transport side of one hosted session, owned by the session's process: it turns
 * transport input (an HTTP request, a WebSocket message, a line) into session input, and
 * the session's output into bytes on the right stream.
 */
export interface SessionChannel<M> {
  /** Given to the session as its only output. */
  readonly send: SendFn;
  /** Ends the stream carrying one request's answer (SSE polling); absent when there is none. */
  readonly closeRequestStream?: (requestId: RequestId) => void;
  /** Called with the session once it exists, before any input. */
  bind(session: ServerSession): void;
  /** One input, in the session process. Returns 'stop' when the session should end (DELETE, socket gone). */
  handle(message: M): 'stop' | void;
  /** True while the client holds something open (an SSE stream, a socket): the session is not idle. */
  readonly busy: boolean;
  /** Ends every stream or socket; called once, when the session process terminates. */
  close(): void;
}
