/**
 * Typed errors of @erlmcp/flash-attention-stream. Each carries a stable
 * `code` (which survives crossing a thread) and names what was wrong; bad
 * input is refused before anything is computed or allocated.
 */
export class AttentionError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A shape that does not add up: a length that does not match, a head count that does not divide, a d not supported. */
export class ShapeError extends AttentionError {
  constructor(message: string) {
    super('ERR_ATTENTION_SHAPE', message);
  }
}

/** A tensor of the wrong type: Q, K and V are Float32Array, a key mask Uint8Array. */
export class DtypeError extends AttentionError {
  constructor(what: string, expected: string, got: unknown) {
    super('ERR_ATTENTION_DTYPE', `${what} must be a ${expected}, got ${describe(got)}`);
  }
}

/** A length past a configured limit (sequence length, KV cache capacity, memory). */
export class LimitError extends AttentionError {
  constructor(message: string) {
    super('ERR_ATTENTION_LIMIT', message);
  }
}

/** A NaN or infinite value while the `nonFinite` policy is `'reject'`. */
export class NonFiniteError extends AttentionError {
  readonly tensor: string;
  readonly index: number;
  constructor(tensor: string, index: number, value: number, where: string) {
    super('ERR_ATTENTION_NON_FINITE', `${tensor}[${index}] is ${value} (${where}); the nonFinite policy is 'reject'`);
    this.tensor = tensor;
    this.index = index;
  }
}

/** A bad option: an unknown kernel, a pool that names no scheduler, a non-positive buffer size, ... */
export class AttentionArgError extends AttentionError {
  constructor(message: string) {
    super('ERR_ATTENTION_BADARG', message);
  }
}

/** The work was stopped by its AbortSignal or because the stream's consumer went away. */
export class AbortError extends AttentionError {
  constructor(message = 'the attention request was aborted', options?: { cause?: unknown }) {
    super('ABORT_ERR', message, options);
  }
}

/**
 * The tile worker running some of the request's tiles went down (its
 * scheduler thread died, reason {scheduler_down: N}, or the worker crashed)
 * and the request had no retries left. The supervisor restarts the worker;
 * the request's memory is freed.
 */
export class WorkerDownError extends AttentionError {
  readonly scheduler: number;
  readonly reason: unknown;
  constructor(scheduler: number, reason: unknown) {
    super(
      'ERR_ATTENTION_WORKER_DOWN',
      `the tile worker on scheduler ${scheduler} went down while running tiles of this request (${describeReason(reason)})`,
    );
    this.scheduler = scheduler;
    this.reason = reason;
  }
}

function describeReason(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/** The server is not running (not started, or stopped), or the API was used from a thread it cannot serve. */
export class NotRunningError extends AttentionError {
  constructor(message: string) {
    super('ERR_ATTENTION_NOT_RUNNING', message);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'an object';
}
