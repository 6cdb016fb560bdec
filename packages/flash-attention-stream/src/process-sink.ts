/**
 * Streaming to a process: each chunk is a message `{ attention: id, chunk }`,
 * then `{ attention: id, done: summary }` or `{ attention: id, error }`. At
 * most `window` chunks are sent and not acknowledged: the receiver calls
 * `attention.ack(id)` (from any scheduler) once it has handled one. Its exit
 * cancels the request.
 */
import { send, type Pid } from '@erlmcp/otp';
import type { AttentionError } from './errors';
import type { RequestSummary, RowChunk, Sink } from './stream';

export type AttentionMessage =
  | { attention: number; chunk: RowChunk }
  | { attention: number; done: RequestSummary }
  | { attention: number; error: { code: string; message: string } };

export class ProcessSink implements Sink {
  constructor(
    private readonly to: Pid,
    private readonly id: number,
  ) {}

  deliver(chunk: RowChunk): void {
    send(this.to, { attention: this.id, chunk } satisfies AttentionMessage);
  }

  finish(summary: RequestSummary): void {
    send(this.to, { attention: this.id, done: summary } satisfies AttentionMessage);
  }

  fail(error: AttentionError): void {
    send(this.to, {
      attention: this.id,
      error: { code: error.code, message: error.message },
    } satisfies AttentionMessage);
  }
}
