import { encodePayload } from '../jsonrpc/codec';
import type { JsonRpcError } from '../jsonrpc/errors';
import type { JsonRpcPayload } from '../jsonrpc/types';
import type { ServerSession } from '../server/session';
import type { SessionChannel } from '../server/session-hosting';
import { isAnswer } from './outbound-coalescer';

/** Input from a message-framed connection (a WebSocket, an NDJSON stream). */
export type FrameInput =
  { kind: 'text'; text: string } | { kind: 'frame-error'; error: JsonRpcError } | { kind: 'closed' };

/**
 * A hosted session on one connection that carries whole frames: every frame goes to the
 * session, every message back is one frame. The connection open means the client is there,
 * so such a session is never idle. When the input ends, requests already read are answered
 * (`end` is called once they are), as stdio and TCP half-close require.
 */
export class FrameChannel implements SessionChannel<FrameInput> {
  private session: ServerSession | undefined;
  private open = true;
  private inputOpen = true;

  constructor(
    /** `answer`: the message answers requests (a coalescer lets it leave at once). */
    private readonly write: (text: string, answer: boolean) => void,
    private readonly disconnect: () => void,
    /** Ends the session (its process); called after the input closed and the session drained. */
    private readonly end: () => void,
  ) {}

  readonly send = (payload: JsonRpcPayload): void => {
    if (this.open) this.write(encodePayload(payload), isAnswer(payload));
  };

  bind(session: ServerSession): void {
    this.session = session;
  }

  get busy(): boolean {
    return this.inputOpen;
  }

  handle(input: FrameInput): 'stop' | void {
    if (input.kind === 'closed') {
      if (!this.inputOpen) return;
      this.inputOpen = false;
      const session = this.session;
      if (session === undefined) return 'stop';
      void session.drain().then(this.end, this.end);
      return;
    }
    if (!this.inputOpen) return;
    if (input.kind === 'text') this.session?.receiveText(input.text);
    else this.session?.receiveFrameError(input.error);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.disconnect();
  }
}
