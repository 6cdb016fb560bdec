/**
 * @erlmcp/mcp/client: an MCP client. `ClientSession` and its transports (stdio, TCP,
 * WebSocket, Streamable HTTP). It loads the core and nothing of the server or of the
 * @erlmcp/otp runtime (`test/entry-isolation.test.ts` checks it in a fresh process).
 *
 * Any export added here becomes public API: each name is exported by one entry only.
 */
export type { ClientHandlers, ClientRequestContext } from './client/handlers';
export type { DiscoverResult, VersionNegotiation } from './client/modern';
export type { ListenOptions, Subscription, SubscriptionEnd, SubscriptionNotification } from './client/subscription';
export type { TaskCallOutcome, WaitForTaskOptions } from './client/tasks';
export {
  type ConnectResult,
  ClientSession,
  type ClientSessionEvents,
  type ClientSessionOptions,
  type ClientSessionState,
} from './client/session';
export { spawnStdioClient, type SpawnStdioClientOptions, type StdioClient } from './transport/stdio-client';
export { connectTcp, type ConnectTcpOptions, type TcpClient } from './transport/tcp-client';
export { connectWebSocket, type ConnectWebSocketOptions, type WebSocketClient } from './transport/websocket-client';
export { connectHttp, type ConnectHttpOptions, type HttpClient } from './transport/http/client';
export type { ReconnectOptions } from './transport/http/reconnect';
