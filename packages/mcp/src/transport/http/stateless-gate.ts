import type { ServerResponse } from 'node:http';
import { writeJsonRpcError } from './responses';

/** Default of `maxStatelessRequests`: 2026-07-28 requests in flight at once, per process. */
export const DEFAULT_MAX_STATELESS_REQUESTS = 10_000;

/**
 * A 2026-07-28 request was refused because as many are in flight as the server allows
 * (`maxStatelessRequests`): HTTP 503 with `Retry-After`, as a full `SessionHost` refuses a
 * new session. Its message is the body's JSON-RPC error message.
 */
export class StatelessLimitError extends Error {
  override readonly name = 'StatelessLimitError';
  constructor(readonly limit: number) {
    super(`Service Unavailable: ${limit} stateless requests are in flight, the limit`);
  }
}

/**
 * @internal
 * Counts the stateless requests in flight. They run beside the `SessionHost`, not in it, so
 * its `maxSessions` does not bound them: this does. A request counts from its admission until
 * its response closes (answered, cut, or the client gone), so a long `subscriptions/listen`
 * stream holds its place for as long as it is open.
 */
export class StatelessGate {
  private inFlight = 0;

  constructor(
    readonly limit: number,
    private readonly retryAfterSeconds: number,
  ) {
    if (!(limit >= 1)) throw new RangeError(`maxStatelessRequests must be at least 1; got ${limit}`);
  }

  get active(): number {
    return this.inFlight;
  }

  /** Admits the request answered on `res`, or answers it with 503 and returns false. */
  admit(res: ServerResponse): boolean {
    if (this.inFlight >= this.limit) {
      writeJsonRpcError(res, 503, -32000, new StatelessLimitError(this.limit).message, {
        'Retry-After': String(this.retryAfterSeconds),
      });
      return false;
    }
    this.inFlight += 1;
    // `on`: a response closes once; once() would wrap the listener on every request.
    res.on('close', () => (this.inFlight -= 1));
    return true;
  }
}
