/**
 * @erlmcp/distribution/mcp: MCP served by every node of a cluster. 2026-07-28 requests are
 * answered where they land; a 2025 session lives on the node that issued it, and requests
 * for it that reach another node are forwarded there over the distribution.
 *
 * Any export added here becomes public API.
 */
export { listenClusterHttp, type ClusterHttpOptions, type ClusterHttpServer } from './mcp/listen-cluster';
export { SessionForwarder } from './mcp/session-forwarder';
export type { ForwarderStats } from './mcp/forwarder-stats';
export { ownerNodeOf, ownedBy, type OwnedBy } from './mcp/owner-id';
export { forwarderName } from './mcp/forwarder-lookup';
