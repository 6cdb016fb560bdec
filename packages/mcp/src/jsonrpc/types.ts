/** A JSON object as it appears on the wire. Values stay `unknown` until a layer checks them. */
export type JsonObject = { [key: string]: unknown };

/**
 * MCP request ids: a string or a number, never null. An integer id beyond 2^53 arrives as a
 * bigint, so that the answer carries exactly the digits that were sent.
 */
export type RequestId = string | number | bigint;

/** JSON-RPC params are structured: by name (object) or by position (array). */
export type JsonRpcParams = JsonObject | unknown[];

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: JsonRpcParams;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: JsonRpcParams;
}

export interface JsonRpcSuccessResponse {
  jsonrpc: '2.0';
  id: RequestId;
  result: unknown;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * An error response. `id` is absent when the request's id could not be determined
 * (the MCP 2025-11-25 schema makes it optional); a JSON-RPC peer may send `null` instead.
 */
export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id?: RequestId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcSuccessResponse | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;
export type JsonRpcBatch = JsonRpcMessage[];

/** What travels in one frame: a message, or a batch where the negotiated revision allows it. */
export type JsonRpcPayload = JsonRpcMessage | JsonRpcBatch;

/**
 * The only output of a session: hand one payload to the transport. It may return a promise;
 * a rejection is reported through the session's `onError`, never thrown back into it.
 */
/**
 * A session's output. `relatedRequestId` names the incoming request a notification or a
 * server-to-client request belongs to (progress, logs and sampling during a tool call), so a
 * transport with one stream per request (Streamable HTTP) can put it on that stream.
 */
export type SendFn = (payload: JsonRpcPayload, relatedRequestId?: RequestId) => void | Promise<void>;
