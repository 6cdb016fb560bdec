/**
 * @erlmcp/mcp: the core both sides share. The JSON-RPC 2.0 codec and its errors, the MCP
 * types and revisions, the protocol errors, JSON Schema validation and the NDJSON framing.
 * Loads no runtime, no server and no client.
 *
 *   @erlmcp/mcp          this core
 *   @erlmcp/mcp/client   ClientSession and the client transports
 *   @erlmcp/mcp/server   server definitions, ServerSession, the server transports
 *   @erlmcp/mcp/hosting  each session a process on the @erlmcp/otp runtime, listenHttp
 *
 * Any export added here becomes public API: each name is exported by one entry only.
 */

// JSON-RPC 2.0
export type {
  JsonObject,
  JsonRpcBatch,
  JsonRpcErrorObject,
  JsonRpcErrorResponse,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcPayload,
  JsonRpcRequest,
  JsonRpcResponse,
  JsonRpcSuccessResponse,
  RequestId,
  SendFn,
} from './jsonrpc/types';
export {
  BatchNotAllowedError,
  ErrorCode,
  FrameTooComplexError,
  FrameTooLargeError,
  InternalError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  type JsonRpcErrorOptions,
  type MessageShape,
  MethodNotFoundError,
  ParseError,
} from './jsonrpc/errors';
export {
  type BatchEntry,
  createErrorResponse,
  createNotification,
  createRequest,
  createSuccessResponse,
  type DecodedFrame,
  type DecodeOptions,
  decodeFrame,
  decodeValue,
  DEFAULT_MAX_FRAME_BYTES,
  encodePayload,
  isErrorResponse,
  isNotification,
  isRequest,
  isSuccessResponse,
  parseMessage,
} from './jsonrpc/codec';
export {
  DEFAULT_JSON_LIMITS,
  type JsonLimitName,
  type JsonLimits,
  type JsonScan,
  scanJson,
} from './jsonrpc/json-limits';

// Protocol
export {
  allowsBatches,
  isSupportedProtocolVersion,
  ALL_PROTOCOL_VERSIONS,
  isModernProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
  type ModernProtocolVersion,
  negotiateProtocolVersion,
  type ProtocolVersion,
  SUPPORTED_PROTOCOL_VERSIONS,
} from './protocol/versions';
export {
  CapabilityNotSupportedError,
  ConnectionClosedError,
  DefinitionError,
  HeaderMismatchError,
  McpErrorCode,
  MissingRequiredClientCapabilityError,
  OutputValidationError,
  ProtocolViolationError,
  RequestCancelledError,
  RequestTimeoutError,
  ResourceNotFoundError,
  SchemaConversionError,
  SessionError,
  SessionStateError,
  TaskCancelledError,
  TaskExpiredError,
  UnsupportedProtocolVersionError,
  UnsupportedProtocolVersionRpcError,
} from './protocol/errors';
export { HandlerTimeoutError, InFlightLimitError, LimitErrorCode } from './protocol/limit-errors';
export type { RequestOptions } from './protocol/peer';
export { MAX_URI_LENGTH } from './protocol/params';
export * from './types';

// Framing both sides use: NDJSON lines, outbound backpressure, the WebSocket subprotocol
export { LineSplitter, type LineSplitterOptions } from './transport/line-splitter';
export { type FrameEndpoint, NdjsonTransport, type NdjsonTransportOptions } from './transport/ndjson';
export {
  type BackpressureOptions,
  DEFAULT_MAX_OUTBOUND_BYTES,
  DEFAULT_OUTBOUND_HIGH_WATER_BYTES,
  OutboundOverflowError,
} from './transport/backpressure';
export { MCP_WS_SUBPROTOCOL } from './transport/websocket-subprotocol';

// Validation
export {
  JsonSchemaValidator,
  type SchemaDialect,
  schemaDialect,
  type ValidationOutcome,
  type Validator,
} from './validation/json-schema';
