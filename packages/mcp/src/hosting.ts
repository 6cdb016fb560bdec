/**
 * @erlmcp/mcp/hosting: MCP sessions on the @erlmcp/otp runtime. `SessionHost` runs each
 * session as a process under a DynamicSupervisor (it is the `SessionHosting` the server
 * transports take), and `listenHttp` serves Streamable HTTP and WebSocket in front of one.
 * This is the only entry that loads @erlmcp/otp, an optional peer dependency of this package.
 *
 * Any export added here becomes public API: each name is exported by one entry only.
 */
export { SessionHost, type SessionHostOptions } from './hosting/session-host';
export { SessionRegistry } from './hosting/session-registry';
export {
  type SessionCast,
  sessionServer,
  type SessionProcessArgs,
  type SessionSummary,
} from './hosting/session-process';
export { listenHttp, type ListenHttpOptions, type McpHttpServer } from './hosting/listen-http';
export type { SessionRouter } from './hosting/session-router';

// Telemetry: `mcp:connection` and `mcp:request` on the node's bus (node.events)
export type { McpConnectionEvent } from './hosting/telemetry';

// The multi-process front door: workers sharing one port (node:cluster)
export { type FrontDoor, type FrontDoorOptions, FrontDoorStartError, startFrontDoor } from './hosting/front-door';
export { frontDoorWorker, type FrontDoorWorkerInfo } from './hosting/front-door-worker';

// For proxies of MCP traffic (the front door, @erlmcp/distribution's forwarder)
export { endToEndHeaders } from './hosting/end-to-end-headers';
export { ownedBy, type OwnedBy } from './hosting/owned-by';
