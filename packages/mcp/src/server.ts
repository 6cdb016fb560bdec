/**
 * @erlmcp/mcp/server: an MCP server. Definitions (tools, resources, prompts), the
 * `ServerSession` that serves one client, and the server transports. The transports that
 * run many sessions (Streamable HTTP, WebSocket, hosted NDJSON) take a `SessionHosting`;
 * `@erlmcp/mcp/hosting` gives one on the @erlmcp/otp runtime. This entry loads no runtime.
 *
 * Any export added here becomes public API: each name is exported by one entry only.
 */

// Definition and sessions
export {
  type CapabilityOptions,
  defineServer,
  McpServerDefinition,
  ServerDefinitionBuilder,
  type ServerDefinitionOptions,
} from './server/definition';
export type { DefinitionChange } from './server/served-definition';
export {
  ServerSession,
  type ServerSessionEvents,
  type ServerSessionOptions,
  type ServerSessionState,
} from './server/session';
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
export type {
  ResourceDefinition,
  ResourceReadResult,
  ResourceRegistry,
  ResourceTemplateDefinition,
} from './server/resources';
export type { PromptArguments, PromptDefinition, PromptHandlerResult, PromptRegistry } from './server/prompts';
export type { Completer, CompletionContext } from './server/completion';
export { UriTemplate, type UriVariables } from './server/uri-template';

// The seam to whatever runs the sessions of a transport
export {
  type HostedSessionOptions,
  newSessionId,
  type SessionChannel,
  type SessionHosting,
  SessionLimitError,
} from './server/session-hosting';

// One session per connection, unhosted
export { serveStdio, type ServeStdioOptions, type StdioServer } from './transport/stdio-server';
export { listenTcp, type ListenTcpOptions, type TcpServer } from './transport/tcp-server';

// Transports over a SessionHosting
export { checkRequest, type SecurityOptions, type SecurityVerdict } from './transport/http/security';
export {
  createStreamableHttpHandler,
  DEFAULT_BODY_TIMEOUT_MS,
  type StreamableHttpHandler,
  type StreamableHttpOptions,
} from './transport/http/streamable-http';
export { BodyTimeoutError } from './transport/http/body-deadlines';
export { SseStreamOverflowError, type SseStreamState } from './transport/http/sse-overflow';
export { StatelessLimitError } from './transport/http/stateless-gate';
export { ClientSessionLimitError } from './transport/http/client-sessions';
export { HttpChannel, type HttpChannelOptions, type HttpInput } from './transport/http/http-channel';
export { FrameChannel, type FrameInput } from './transport/frame-channel';
export {
  OVERFLOW_CLOSE_CODE,
  OVERFLOW_CLOSE_REASON,
  type WebSocketConnectionState,
} from './transport/websocket-connection';
export {
  createWebSocketHandler,
  type WebSocketOptions,
  type WebSocketUpgradeHandler,
} from './transport/websocket-server';
export {
  type HostedConnection,
  type HostedTcpServer,
  hostNdjson,
  type HostNdjsonOptions,
  listenTcpHosted,
  type ListenTcpHostedOptions,
} from './transport/hosted-ndjson';
export type { OutboundCoalescer } from './transport/outbound-coalescer';

// Telemetry: events the server side emits on the bus the hosting installs
export type { McpRequestEvent, McpTransportEvent, McpTransportKind } from './server/telemetry';
