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
export { DEFAULT_JSON_LIMITS, type JsonLimitName, type JsonLimits, type JsonScan, scanJson } from './jsonrpc/json-limits';

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
  UnsupportedProtocolVersionError,
  UnsupportedProtocolVersionRpcError,
} from './protocol/errors';
export type { RequestOptions } from './protocol/peer';
export { MAX_URI_LENGTH } from './protocol/params';
export * from './types';

// Server
export {
  type CapabilityOptions,
  type DefinitionChange,
  defineServer,
  McpServerDefinition,
  ServerDefinitionBuilder,
  type ServerDefinitionOptions,
} from './server/definition';
export { ServerSession, type ServerSessionEvents, type ServerSessionOptions, type ServerSessionState } from './server/session';
export type { RequestContext, ServerSessionHandle } from './server/context';
export type { CacheHint, ModernRequestMeta } from './server/modern';
export type {
  ArgumentsOf,
  InferredToolDefinition,
  StructuredContent,
  StructuredOf,
  ToolArguments,
  ToolDefinition,
  ToolHandlerResult,
  ToolJsonSchema,
  ToolSchema,
  ToolValidator,
} from './server/tool-definition';
export type { JsonSchemaFor } from './server/json-schema-for';
export type { ToolRegistry } from './server/tools';
export type { ResourceDefinition, ResourceReadResult, ResourceRegistry, ResourceTemplateDefinition } from './server/resources';
export type { PromptArguments, PromptDefinition, PromptHandlerResult, PromptRegistry } from './server/prompts';
export type { Completer, CompletionContext } from './server/completion';
export { UriTemplate, type UriVariables } from './server/uri-template';

// Client
export {
  type ClientHandlers,
  type ClientRequestContext,
  ClientSession,
  type ClientSessionEvents,
  type ClientSessionOptions,
  type ClientSessionState,
} from './client/session';

// Validation
export { JsonSchemaValidator, type SchemaDialect, schemaDialect, type ValidationOutcome, type Validator } from './validation/json-schema';

// Transports
export { LineSplitter, type LineSplitterOptions } from './transport/line-splitter';
export { type FrameEndpoint, NdjsonTransport, type NdjsonTransportOptions } from './transport/ndjson';
export {
  type BackpressureOptions,
  DEFAULT_MAX_OUTBOUND_BYTES,
  DEFAULT_OUTBOUND_HIGH_WATER_BYTES,
  OutboundOverflowError,
} from './transport/backpressure';
export { OVERFLOW_CLOSE_CODE, OVERFLOW_CLOSE_REASON, type WebSocketConnectionState } from './transport/websocket-connection';
export { serveStdio, type ServeStdioOptions, spawnStdioClient, type SpawnStdioClientOptions, type StdioClient, type StdioServer } from './transport/stdio';
export { connectTcp, type ConnectTcpOptions, listenTcp, type ListenTcpOptions, type TcpClient, type TcpServer } from './transport/tcp';

// Telemetry: events on the node's bus (node.events)
export type { McpConnectionEvent, McpRequestEvent, McpTransportKind } from './telemetry';

// Hosting: each session a process under a DynamicSupervisor
export { SessionRegistry } from './hosting/session-registry';
export type { SessionChannel } from './hosting/session-channel';
export { type HostedSessionOptions, type SessionCast, sessionServer, type SessionProcessArgs, type SessionSummary } from './hosting/session-process';
export { newSessionId, SessionHost, type SessionHostOptions } from './hosting/session-host';

// Streamable HTTP and WebSocket
export { checkRequest, type SecurityOptions, type SecurityVerdict } from './transport/http/security';
export {
  createStreamableHttpHandler,
  DEFAULT_BODY_TIMEOUT_MS,
  type StreamableHttpHandler,
  type StreamableHttpOptions,
} from './transport/http/streamable-http';
export { BodyTimeoutError } from './transport/http/body-deadlines';
export { SseStreamOverflowError, type SseStreamState } from './transport/http/sse-overflow';
export { HttpChannel, type HttpChannelOptions, type HttpInput } from './transport/http/http-channel';
export { listenHttp, type ListenHttpOptions, type McpHttpServer } from './transport/http/listen';
export { FrameChannel, type FrameInput } from './transport/frame-channel';
export {
  connectWebSocket,
  type ConnectWebSocketOptions,
  createWebSocketHandler,
  MCP_WS_SUBPROTOCOL,
  type WebSocketClient,
  type WebSocketOptions,
  type WebSocketUpgradeHandler,
} from './transport/websocket';
export { type HostedConnection, type HostedTcpServer, hostNdjson, type HostNdjsonOptions, listenTcpHosted, type ListenTcpHostedOptions } from './transport/hosted-ndjson';
export type { OutboundCoalescer } from './transport/outbound-coalescer';
export { connectHttp, type ConnectHttpOptions, type HttpClient } from './transport/http/client';
export type { ReconnectOptions } from './transport/http/reconnect';
