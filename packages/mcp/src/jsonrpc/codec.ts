import {
  BatchNotAllowedError,
  FrameTooComplexError,
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
import { type JsonLimits, scanJson } from './json-limits';
import { restoreLargeIds } from './large-ids';

/** 4 MiB: room for base64 resource blobs, small enough to bound a hostile peer. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface DecodeOptions {
  /** Frames longer than this many UTF-8 bytes are rejected unparsed. */
  maxFrameBytes?: number;
  /** Accept a JSON array of messages (only protocol revision 2025-03-26 has batching). */
  allowBatch?: boolean;
  /** Named in the error when a batch is refused. */
  protocolVersion?: string;
  /** Bounds on nesting and counts, checked before the text is parsed. Default: depth 64, 100,000 members, 100,000 elements. */
  jsonLimits?: JsonLimits;
}

export type BatchEntry = { ok: true; message: JsonRpcMessage } | { ok: false; error: InvalidRequestError };

export type DecodedFrame = { kind: 'single'; message: JsonRpcMessage } | { kind: 'batch'; entries: BatchEntry[] };

/**
 * Decodes one frame of text. Throws {@link FrameTooLargeError}, {@link FrameTooComplexError},
 * {@link ParseError}, {@link BatchNotAllowedError} or {@link InvalidRequestError}; invalid
 * members of a batch are returned as failed entries so the valid ones still run.
 */
export function decodeFrame(text: string, options: DecodeOptions = {}): DecodedFrame {
  const limit = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  // A UTF-16 unit is at most 3 UTF-8 bytes: skip the byte count for frames that cannot be too large.
  if (text.length * 3 > limit) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > limit) throw new FrameTooLargeError(size, limit);
  }
  return decodeValue(parseFrameText(text, options.jsonLimits), options);
}

/**
 * The JSON value of one frame's text: pre-scanned against `limits` (a {@link FrameTooComplexError}
 * past them, a {@link ParseError} for text the scan already knows is not JSON), then parsed
 * (a {@link ParseError} when it is not JSON), with ids beyond 2^53 restored exactly (bigints).
 * Every transport's text goes through here: NDJSON lines, WebSocket messages, HTTP bodies.
 */
export function parseFrameText(text: string, limits?: JsonLimits): unknown {
  const scan = scanJson(text, limits);
  if (!scan.ok) {
    if (scan.kind === 'limit') throw new FrameTooComplexError(scan.limit, scan.max, scan.offset);
    throw new ParseError(`Parse error: ${scan.reason} at character ${scan.offset}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ParseError(`Parse error: ${error instanceof Error ? error.message : String(error)}`);
  }
  restoreLargeIds(value, text);
  return value;
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

/** Validates one JSON-RPC 2.0 message strictly; throws {@link InvalidRequestError}. */
export function parseMessage(value: unknown): JsonRpcMessage {
  if (!isPlainObject(value)) throw new InvalidRequestError('A message must be a JSON object');
  // Runs once per message on every transport: no closures, spreads or key arrays here.
  const id = value.id;
  const method = value.method;
  const shape: MessageShape =
    method !== undefined
      ? id !== undefined
        ? 'request'
        : 'notification'
      : value.result !== undefined || value.error !== undefined
        ? 'response'
        : 'unknown';

  if (value.jsonrpc !== '2.0') throw invalid('jsonrpc must be exactly "2.0"', id, shape);

  if (shape === 'request' || shape === 'notification') {
    const unexpected = unexpectedMember(value, 'method', 'params');
    if (unexpected !== undefined) throw invalid(`Unexpected member "${unexpected}"`, id, shape);
    if (typeof method !== 'string') throw invalid('method must be a string', id, shape);
    const params = value.params;
    if (params !== undefined && !isPlainObject(params) && !Array.isArray(params)) {
      throw invalid('params must be an object or an array', id, shape);
    }
    if (shape === 'notification') {
      return params === undefined
        ? { jsonrpc: '2.0', method }
        : { jsonrpc: '2.0', method, params: params as JsonRpcParams };
    }
    if (!isRequestId(id)) throw invalid('id must be a string or a number', id, shape);
    return params === undefined
      ? { jsonrpc: '2.0', method, id }
      : { jsonrpc: '2.0', method, params: params as JsonRpcParams, id };
  }

  if (shape === 'response') {
    const unexpected = unexpectedMember(value, 'result', 'error');
    if (unexpected !== undefined) throw invalid(`Unexpected member "${unexpected}"`, id, shape);
    const result = value.result;
    if (result !== undefined && value.error !== undefined)
      throw invalid('A response must not carry both result and error', id, shape);
    if (result !== undefined) {
      if (!isRequestId(id)) throw invalid('A result response needs a string or number id', id, shape);
      return { jsonrpc: '2.0', id, result } satisfies JsonRpcSuccessResponse;
    }
    if (id !== undefined && id !== null && !isRequestId(id))
      throw invalid('id must be a string, a number or null', id, shape);
    const error = parseErrorObject(value.error, id, shape);
    const response: JsonRpcErrorResponse = { jsonrpc: '2.0', error };
    if (isRequestId(id)) response.id = id;
    else if (id === null) response.id = null;
    return response;
  }

  throw invalid('Not a request, notification or response', id, shape);
}

/** The error for an invalid message, carrying its id when that id is usable for an answer. */
function invalid(message: string, id: unknown, shape: MessageShape): InvalidRequestError {
  return new InvalidRequestError(message, { requestId: isRequestId(id) ? id : undefined, shape });
}

function parseErrorObject(value: unknown, id: unknown, shape: MessageShape): JsonRpcErrorObject {
  if (!isPlainObject(value)) throw invalid('error must be an object', id, shape);
  for (const key of Object.keys(value)) {
    if (key !== 'code' && key !== 'message' && key !== 'data' && value[key] !== undefined)
      throw invalid(`Unexpected member "${key}"`, id, shape);
  }
  if (typeof value.code !== 'number' || !Number.isInteger(value.code))
    throw invalid('error.code must be an integer', id, shape);
  if (typeof value.message !== 'string') throw invalid('error.message must be a string', id, shape);
  const error: JsonRpcErrorObject = { code: value.code, message: value.message };
  if (value.data !== undefined) error.data = value.data;
  return error;
}

/** The first own member other than jsonrpc, id and the two named ones whose value is defined. */
function unexpectedMember(value: JsonObject, first: string, second: string): string | undefined {
  for (const key in value) {
    if (key === 'jsonrpc' || key === 'id' || key === first || key === second) continue;
    if (Object.prototype.hasOwnProperty.call(value, key) && value[key] !== undefined) return key;
  }
  return undefined;
}

/**
 * One frame of text. JSON.stringify never emits a raw newline, so the result is NDJSON-safe.
 * A bigint id (one beyond 2^53, as decoded) is written as its digits; a bigint anywhere else
 * still throws, as JSON.stringify does.
 */
export function encodePayload(payload: JsonRpcPayload): string {
  if (Array.isArray(payload)) {
    for (const message of payload) if (hasBigIntId(message)) return `[${payload.map(encodeMessage).join(',')}]`;
    return JSON.stringify(payload);
  }
  return hasBigIntId(payload) ? encodeMessage(payload) : JSON.stringify(payload);
}

function hasBigIntId(message: JsonRpcMessage): boolean {
  return typeof (message as { id?: unknown }).id === 'bigint';
}

function encodeMessage(message: JsonRpcMessage): string {
  if (!hasBigIntId(message)) return JSON.stringify(message);
  const { id, ...rest } = message as JsonRpcMessage & { id: bigint };
  const body = JSON.stringify(rest);
  // The id first, then the rest of the members: `{"id":18446744073709551616,"jsonrpc":...}`.
  return body === '{}' ? `{"id":${id}}` : `{"id":${id},${body.slice(1)}`;
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
  return (
    typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint'
  );
}

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
