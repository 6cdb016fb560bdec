import {
  BatchNotAllowedError,
  FrameTooLargeError,
  InvalidRequestError,
  JsonRpcError,
  type MessageShape,
  ParseError,
} from './errors';
import type {
  JsonObject,
  JsonRpcErrorObject,
  JsonRpcErrorResponse,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcPayload,
  JsonRpcRequest,
  JsonRpcSuccessResponse,
  RequestId,
} from './types';

/** 4 MiB: room for base64 resource blobs, small enough to bound a hostile peer. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface DecodeOptions {
  /** Frames longer than this many UTF-8 bytes are rejected unparsed. */
  maxFrameBytes?: number;
  /** Accept a JSON array of messages (only protocol revision 2025-03-26 has batching). */
  allowBatch?: boolean;
  /** Named in the error when a batch is refused. */
  protocolVersion?: string;
}

export type BatchEntry = { ok: true; message: JsonRpcMessage } | { ok: false; error: InvalidRequestError };

export type DecodedFrame =
  | { kind: 'single'; message: JsonRpcMessage }
  | { kind: 'batch'; entries: BatchEntry[] };

/**
 * Decodes one frame of text. Throws {@link FrameTooLargeError}, {@link ParseError},
 * {@link BatchNotAllowedError} or {@link InvalidRequestError}; invalid members of a batch
 * are returned as failed entries so the valid ones still run.
 */
export function decodeFrame(text: string, options: DecodeOptions = {}): DecodedFrame {
  const limit = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  // A UTF-16 unit is at most 3 UTF-8 bytes: skip the byte count for frames that cannot be too large.
  if (text.length * 3 > limit) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > limit) throw new FrameTooLargeError(size, limit);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ParseError(`Parse error: ${error instanceof Error ? error.message : String(error)}`);
  }
  return decodeValue(value, options);
}

/** Validates an already-parsed value (from an in-memory or object transport) like {@link decodeFrame}. */
export function decodeValue(value: unknown, options: DecodeOptions = {}): DecodedFrame {
  if (!Array.isArray(value)) return { kind: 'single', message: parseMessage(value) };
  if (!options.allowBatch) throw new BatchNotAllowedError(options.protocolVersion);
  if (value.length === 0) throw new InvalidRequestError('Empty batch');
  const entries = value.map((item): BatchEntry => {
    try {
      return { ok: true, message: parseMessage(item) };
    } catch (error) {
      if (error instanceof InvalidRequestError) return { ok: false, error };
      throw error;
    }
  });
  return { kind: 'batch', entries };
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESPONSE_KEYS = new Set(['jsonrpc', 'id', 'result', 'error']);
const ERROR_KEYS = new Set(['code', 'message', 'data']);

/** Validates one JSON-RPC 2.0 message strictly; throws {@link InvalidRequestError}. */
export function parseMessage(value: unknown): JsonRpcMessage {
  if (!isPlainObject(value)) throw new InvalidRequestError('A message must be a JSON object');
  const has = (key: string): boolean => value[key] !== undefined;
  const id = value.id;
  const validId = isRequestId(id);
  const shape: MessageShape = has('method')
    ? has('id') ? 'request' : 'notification'
    : has('result') || has('error') ? 'response' : 'unknown';
  const fail = (message: string): never => {
    throw new InvalidRequestError(message, { requestId: validId ? id : undefined, shape });
  };

  if (value.jsonrpc !== '2.0') fail('jsonrpc must be exactly "2.0"');

  if (shape === 'request' || shape === 'notification') {
    rejectUnknownKeys(value, REQUEST_KEYS, fail);
    if (typeof value.method !== 'string') fail('method must be a string');
    const params = value.params;
    if (params !== undefined && !isPlainObject(params) && !Array.isArray(params)) {
      fail('params must be an object or an array');
    }
    const base = { jsonrpc: '2.0' as const, method: value.method as string };
    const withParams = params === undefined ? base : { ...base, params: params as JsonRpcParams };
    if (shape === 'notification') return withParams satisfies JsonRpcNotification;
    if (!validId) fail('id must be a string or a number');
    return { ...withParams, id: id as RequestId } satisfies JsonRpcRequest;
  }

  if (shape === 'response') {
    rejectUnknownKeys(value, RESPONSE_KEYS, fail);
    if (has('result') && has('error')) fail('A response must not carry both result and error');
    if (has('result')) {
      if (!validId) fail('A result response needs a string or number id');
      return { jsonrpc: '2.0', id: id as RequestId, result: value.result } satisfies JsonRpcSuccessResponse;
    }
    if (id !== undefined && id !== null && !validId) fail('id must be a string, a number or null');
    const error = parseErrorObject(value.error, fail);
    const response: JsonRpcErrorResponse = { jsonrpc: '2.0', error };
    if (validId) response.id = id;
    else if (id === null) response.id = null;
    return response;
  }

  return fail('Not a request, notification or response');
}

function parseErrorObject(value: unknown, fail: (message: string) => never): JsonRpcErrorObject {
  if (!isPlainObject(value)) return fail('error must be an object');
  rejectUnknownKeys(value, ERROR_KEYS, fail);
  if (typeof value.code !== 'number' || !Number.isInteger(value.code)) fail('error.code must be an integer');
  if (typeof value.message !== 'string') fail('error.message must be a string');
  const error: JsonRpcErrorObject = { code: value.code as number, message: value.message as string };
  if (value.data !== undefined) error.data = value.data;
  return error;
}

function rejectUnknownKeys(value: JsonObject, allowed: ReadonlySet<string>, fail: (message: string) => never): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key) && value[key] !== undefined) fail(`Unexpected member "${key}"`);
  }
}

/** One frame of text. JSON.stringify never emits a raw newline, so the result is NDJSON-safe. */
export function encodePayload(payload: JsonRpcPayload): string {
  return JSON.stringify(payload);
}

export function createRequest(id: RequestId, method: string, params?: JsonRpcParams): JsonRpcRequest {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

export function createNotification(method: string, params?: JsonRpcParams): JsonRpcNotification {
  return params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
}

export function createSuccessResponse(id: RequestId, result: unknown): JsonRpcSuccessResponse {
  return { jsonrpc: '2.0', id, result };
}

/** An error response; with no id (a frame that could not be read) the id member is omitted. */
export function createErrorResponse(
  id: RequestId | undefined,
  error: JsonRpcError | JsonRpcErrorObject,
): JsonRpcErrorResponse {
  const body = error instanceof JsonRpcError ? error.toObject() : error;
  return id === undefined ? { jsonrpc: '2.0', error: body } : { jsonrpc: '2.0', id, error: body };
}

export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return 'method' in message && 'id' in message;
}

export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return 'method' in message && !('id' in message);
}

export function isSuccessResponse(message: JsonRpcMessage): message is JsonRpcSuccessResponse {
  return 'result' in message;
}

export function isErrorResponse(message: JsonRpcMessage): message is JsonRpcErrorResponse {
  return 'error' in message;
}

export function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
