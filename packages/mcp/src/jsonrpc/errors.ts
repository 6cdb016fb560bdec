import type { JsonRpcErrorObject, RequestId } from './types';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- JsonLimits is named by a {@link} below
import type { JsonLimitName, JsonLimits } from './json-limits';

/** The error codes JSON-RPC 2.0 reserves, as used by MCP. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

export interface JsonRpcErrorOptions {
  data?: unknown;
  /** The id of the request this error answers, when it is known. */
  requestId?: RequestId;
}

/**
 * An error that travels on the wire as a JSON-RPC error object. Throwing one from a handler
 * produces an error response with exactly this code, message and data.
 */
export class JsonRpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  readonly requestId: RequestId | undefined;

  constructor(code: number, message: string, options: JsonRpcErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.data = options.data;
    this.requestId = options.requestId;
  }

  toObject(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  /** Rebuilds a received error object as the matching typed class. */
  static fromObject(error: JsonRpcErrorObject, requestId?: RequestId): JsonRpcError {
    const options = { data: error.data, requestId };
    switch (error.code) {
      case ErrorCode.ParseError:
        return new ParseError(error.message, options);
      case ErrorCode.InvalidRequest:
        return new InvalidRequestError(error.message, options);
      case ErrorCode.MethodNotFound:
        return new MethodNotFoundError(error.message, options);
      case ErrorCode.InvalidParams:
        return new InvalidParamsError(error.message, options);
      case ErrorCode.InternalError:
        return new InternalError(error.message, options);
      default:
        return new JsonRpcError(error.code, error.message, options);
    }
  }
}

export class ParseError extends JsonRpcError {
  constructor(message = 'Parse error', options?: JsonRpcErrorOptions) {
    super(ErrorCode.ParseError, message, options);
  }
}

/**
 * Which kind of message an invalid frame looked like. A response-shaped frame is never
 * answered: replying to responses is how two strict peers end up in an error loop.
 */
export type MessageShape = 'request' | 'notification' | 'response' | 'unknown';

export class InvalidRequestError extends JsonRpcError {
  readonly shape: MessageShape;

  constructor(message = 'Invalid Request', options: JsonRpcErrorOptions & { shape?: MessageShape } = {}) {
    super(ErrorCode.InvalidRequest, message, options);
    this.shape = options.shape ?? 'unknown';
  }
}

export class MethodNotFoundError extends JsonRpcError {
  constructor(message = 'Method not found', options?: JsonRpcErrorOptions) {
    super(ErrorCode.MethodNotFound, message, options);
  }
}

export class InvalidParamsError extends JsonRpcError {
  constructor(message = 'Invalid params', options?: JsonRpcErrorOptions) {
    super(ErrorCode.InvalidParams, message, options);
  }
}

export class InternalError extends JsonRpcError {
  constructor(message = 'Internal error', options?: JsonRpcErrorOptions) {
    super(ErrorCode.InternalError, message, options);
  }
}

/** A frame larger than the configured limit; its content was never parsed. */
export class FrameTooLargeError extends InvalidRequestError {
  readonly size: number;
  readonly limit: number;

  constructor(size: number, limit: number) {
    super(`Frame of ${size} bytes exceeds the limit of ${limit} bytes`, { data: { size, limit } });
    this.size = size;
    this.limit = limit;
  }
}

/** A JSON array frame while the negotiated revision has no batching (all but 2025-03-26). */
export class BatchNotAllowedError extends InvalidRequestError {
  constructor(protocolVersion: string | undefined) {
    super(
      protocolVersion === undefined
        ? 'Batches are not accepted before initialization'
        : `Batches are not supported in protocol version ${protocolVersion}`,
    );
  }
}

/**
 * A frame past one of its {@link JsonLimits} (nested too deep, too many object members or
 * array elements), refused by the pre-scan before `JSON.parse` ran. -32600 rather than
 * -32700: the text may well be JSON; it is not a request this peer accepts, as with
 * {@link FrameTooLargeError}.
 */
export class FrameTooComplexError extends InvalidRequestError {
  readonly limit: JsonLimitName;
  readonly max: number;

  constructor(limit: JsonLimitName, max: number, offset: number) {
    super(`Frame exceeds ${limit} (${max}) at character ${offset}`, { data: { limit, max, offset } });
    this.limit = limit;
    this.max = max;
  }
}
