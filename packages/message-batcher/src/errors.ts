/**
 * Typed errors of @erlmcp/message-batcher. Each carries a stable `code`; an
 * item's promise rejects with one of these (or with its own error from the
 * sink, or with its signal's reason when cancelled), never with a bare string.
 */
import type { ExitReason } from '@erlmcp/otp';
import { formatReason } from '@erlmcp/otp';

export class BatcherError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad option or argument, named in the message: a sink that is not a function, a NaN window, ... */
export class BatcherArgError extends BatcherError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_BATCHER_BADARG', message, options);
  }
}

/** `maxQueued` items were already waiting for dispatch: this one was refused rather than queued. */
export class BatcherOverloadError extends BatcherError {
  readonly maxQueued: number;
  constructor(name: string, maxQueued: number) {
    super(
      'ERR_BATCHER_OVERLOAD',
      `batcher ${name} is overloaded: ${maxQueued} items already wait for dispatch (maxQueued)`,
    );
    this.maxQueued = maxQueued;
  }
}

/** `add` after `stop()`. */
export class BatcherStoppedError extends BatcherError {
  constructor(name: string) {
    super('ERR_BATCHER_STOPPED', `batcher ${name} is stopped`);
  }
}

/** No batcher process runs: not started yet, or between a crash and its restart by the supervisor. */
export class BatcherNotRunningError extends BatcherError {
  constructor(name: string, why: string) {
    super('ERR_BATCHER_NOT_RUNNING', `batcher ${name} is not running (${why})`);
  }
}

/** The batcher process exited while the item waited: its supervisor restarts it, the item is not retried. */
export class BatcherExitedError extends BatcherError {
  readonly reason: ExitReason;
  constructor(name: string, reason: ExitReason) {
    super('ERR_BATCHER_EXITED', `batcher ${name} exited (${formatReason(reason)}) before this item was answered`);
    this.reason = reason;
  }
}

/** The sink threw or its promise rejected: every item of that batch gets this, with the sink's error as `cause`. */
export class SinkFailedError extends BatcherError {
  readonly batch: number;
  constructor(batch: number, cause: unknown) {
    super(
      'ERR_BATCHER_SINK_FAILED',
      `the sink failed on batch ${batch}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.batch = batch;
  }
}

/** The sink did not answer batch `batch` within `timeoutMs`; its signal was aborted. */
export class SinkTimeoutError extends BatcherError {
  readonly batch: number;
  readonly timeoutMs: number;
  constructor(batch: number, timeoutMs: number) {
    super('ERR_BATCHER_SINK_TIMEOUT', `the sink did not answer batch ${batch} within ${timeoutMs} ms`);
    this.batch = batch;
    this.timeoutMs = timeoutMs;
  }
}

/** The sink answered, but not in a shape that gives this item a result: wrong count, unknown or missing id. */
export class SinkResultError extends BatcherError {
  readonly batch: number;
  constructor(batch: number, message: string) {
    super('ERR_BATCHER_SINK_RESULT', `batch ${batch}: ${message}`);
    this.batch = batch;
  }
}

/** One item is larger than a whole batch may be (`maxBytes` or `maxTokens`): it can never be sent. */
export class ItemTooLargeError extends BatcherError {
  constructor(what: 'bytes' | 'tokens', size: number, limit: number) {
    super('ERR_BATCHER_ITEM_TOO_LARGE', `the item is ${size} ${what}, more than a whole batch may hold (${limit})`);
  }
}

/** The provider answered with an HTTP error (after the retries 429 and 5xx get), or could not be reached. */
export class LlmHttpError extends BatcherError {
  /** The HTTP status; 0 when the connection failed or was dropped. */
  readonly status: number;
  readonly attempts: number;
  constructor(url: string, status: number, attempts: number, detail: string, options?: { cause?: unknown }) {
    super(
      'ERR_BATCHER_LLM_HTTP',
      `${url}: ${status === 0 ? 'no answer' : `HTTP ${status}`} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${detail}`,
      options,
    );
    this.status = status;
    this.attempts = attempts;
  }
}

/** The provider's response was not the JSON shape its API documents. */
export class LlmResponseError extends BatcherError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_BATCHER_LLM_RESPONSE', message, options);
  }
}

/** This item's answer stayed missing, duplicated or malformed after every re-send. */
export class LlmAnswerError extends BatcherError {
  readonly attempts: number;
  readonly problem: string;
  constructor(attempts: number, problem: string) {
    super(
      'ERR_BATCHER_LLM_ANSWER',
      `no valid answer for this item after ${attempts} request${attempts === 1 ? '' : 's'}: ${problem}`,
    );
    this.attempts = attempts;
    this.problem = problem;
  }
}
