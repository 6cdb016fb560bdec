/**
 * @erlmcp/transport-pool: supervised pools of real connections. A pool is a
 * GenServer; each connection a process under the pool's DynamicSupervisor.
 * Any new export here becomes public API.
 */
export { Pool, type AcquireOptions } from './pool';
export { PooledConnection, type ConnectionState } from './connection';
export type { PoolOptions, HealthCheckOptions, BackoffOptions } from './options';
export type { PoolStats } from './stats';
export type { PoolTelemetryEvents, PoolEvents } from './telemetry';
export { type ConnectionFactory, type FactorySpec, TransportError, isTransportError } from './factory';
export { tcpFactory, type TcpFactoryOptions } from './factories/tcp';
export { httpFactory, type HttpFactoryOptions } from './factories/http';
export { websocketFactory, type WebSocketFactoryOptions } from './factories/websocket';
export { mcpFactory, type McpConnection } from './factories/mcp';
export {
  AcquireAbortedError,
  AcquireTimeoutError,
  CheckError,
  ConnectError,
  InvalidPoolOptionsError,
  NotLeasedError,
  PoolClosedError,
  PoolError,
  type PoolErrorCode,
  WaitersFullError,
} from './errors';
