/**
 * Every error the pool throws or rejects with. `code` is stable and meant for
 * programs; the message is for people.
 */
export type PoolErrorCode =
  | 'invalid_options'
  | 'acquire_timeout'
  | 'acquire_aborted'
  | 'waiters_full'
  | 'pool_draining'
  | 'pool_stopped'
  | 'not_leased'
  | 'connect_failed'
  | 'check_failed'
  | 'caller_exited';

export class PoolError extends Error {
  constructor(
    readonly code: PoolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PoolError';
  }
}

/** An option is missing, of the wrong type or out of range; `field` names it. */
export class InvalidPoolOptionsError extends PoolError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('invalid_options', `${field}: ${message}`);
    this.name = 'InvalidPoolOptionsError';
  }
}

/** No connection became free within acquireTimeoutMs; `cause` is the last connect failure, if any. */
export class AcquireTimeoutError extends PoolError {
  constructor(timeoutMs: number, lastConnectError: unknown) {
    super(
      'acquire_timeout',
      `no connection within ${timeoutMs} ms`,
      lastConnectError === undefined ? undefined : { cause: lastConnectError },
    );
    this.name = 'AcquireTimeoutError';
  }
}

/** The caller's AbortSignal fired while it waited. */
export class AcquireAbortedError extends PoolError {
  constructor(reason: unknown) {
    super('acquire_aborted', 'acquire aborted', { cause: reason });
    this.name = 'AcquireAbortedError';
  }
}

/** The wait queue is at maxWaiters: the pool refuses rather than queue without bound. */
export class WaitersFullError extends PoolError {
  constructor(maxWaiters: number) {
    super('waiters_full', `${maxWaiters} callers already wait for a connection`);
    this.name = 'WaitersFullError';
  }
}

/** The pool is draining or stopped and hands out nothing more. */
export class PoolClosedError extends PoolError {
  constructor(code: 'pool_draining' | 'pool_stopped') {
    super(code, code === 'pool_draining' ? 'the pool is draining' : 'the pool is stopped');
    this.name = 'PoolClosedError';
  }
}

/** release() of a connection that is not leased out (released twice, or never acquired from this pool). */
export class NotLeasedError extends PoolError {
  constructor(id: number) {
    super('not_leased', `connection ${id} is not leased from this pool`);
    this.name = 'NotLeasedError';
  }
}

/** A factory's connect failed (refused, timed out, threw); `cause` is what it threw. */
export class ConnectError extends PoolError {
  constructor(message: string, cause: unknown) {
    super('connect_failed', message, { cause });
    this.name = 'ConnectError';
  }
}

/** A health check failed or did not answer within its timeout. */
export class CheckError extends PoolError {
  constructor(message: string, cause?: unknown) {
    super('check_failed', message, cause === undefined ? undefined : { cause });
    this.name = 'CheckError';
  }
}
