import { JsonRpcError, type JsonRpcErrorOptions } from '../jsonrpc/errors';

/**
 * Codes in JSON-RPC's implementation-defined server range (-32000 to -32099): MCP defines none
 * for these limits. -32001 is the request timeout code of the MCP SDKs.
 */
export const LimitErrorCode = {
  /** A request arrived while the session already ran as many as it may. */
  TooManyRequestsInFlight: -32005,
  /** A request's handler ran past the session's handler timeout. */
  RequestTimedOut: -32001,
} as const;

/**
 * Answers a request that arrived while its session already handled `maxInFlightRequests`:
 * the request is not run. The client may retry once one of its requests is answered.
 */
export class InFlightLimitError extends JsonRpcError {
  constructor(
    readonly limit: number,
    options: JsonRpcErrorOptions = {},
  ) {
    super(LimitErrorCode.TooManyRequestsInFlight, `Too many requests in flight: this session runs at most ${limit}`, {
      data: { limit },
      ...options,
    });
  }
}

/**
 * Answers a request whose handler did not settle within the session's `handlerTimeoutMs`. The
 * handler's `signal` is aborted with this error; whatever it returns later is dropped.
 */
export class HandlerTimeoutError extends JsonRpcError {
  constructor(
    readonly timeoutMs: number,
    options: JsonRpcErrorOptions = {},
  ) {
    super(LimitErrorCode.RequestTimedOut, `Request timed out: its handler ran past ${timeoutMs} ms`, {
      data: { timeoutMs },
      ...options,
    });
  }
}
