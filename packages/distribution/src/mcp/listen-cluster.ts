import { listenHttp, type ListenHttpOptions, type McpHttpServer, type SessionHost } from '@erlmcp/mcp/hosting';
import { McpServerDefinition } from '@erlmcp/mcp/server';
import type { DistNode } from '../dist-node';
import type { ForwarderStats } from './forwarder-stats';
import { SessionForwarder } from './session-forwarder';

export type ClusterHttpOptions = Omit<ListenHttpOptions, 'router' | 'frontDoor'>;

export interface ClusterHttpServer extends McpHttpServer {
  /** This node's forwarder: session ids issued here start with its prefix. */
  readonly forwarder: SessionForwarder;
  stats(): ForwarderStats;
}

/**
 * `listenHttp` for one node of a cluster: every node runs the same definition on its own
 * port, so a 2026-07-28 request (no session) is answered by whichever node a balancer picks,
 * and a 2025 session, whose id names the node that issued it, is forwarded there over the
 * distribution from whichever node the request reached, streams included. Call it on a
 * running `DistNode` (its node is the one serving). A node that goes down takes its sessions
 * with it: the others answer their requests 404, and the client starts a new session.
 *
 * Nodes must agree on what a client may see from any of them: the same definition, the same
 * `allowedHosts`/`allowedOrigins`, and one `requestState.key` in the definition (so a
 * multi round-trip request signed by one node is accepted by another).
 */
export async function listenClusterHttp(
  dist: DistNode,
  target: SessionHost | McpServerDefinition,
  options: ClusterHttpOptions = {},
): Promise<ClusterHttpServer> {
  const forwarder = new SessionForwarder(dist);
  let server: McpHttpServer;
  try {
    // Registered before any id is minted: every node can find the owner of whatever this one makes.
    await forwarder.register();
    // Task ids and handles start with this node's number too, so that any node routes them here.
    const definition = target instanceof McpServerDefinition ? target : target.definition;
    definition.tasks.setIdPrefix(forwarder.sessionIdPrefix);
    definition.handles.setIdPrefix(forwarder.sessionIdPrefix);
    server = await listenHttp(target, { ...options, frontDoor: false, router: forwarder });
  } catch (error) {
    forwarder.stop();
    throw error;
  }
  forwarder.serveOn(server.address.port);
  let closing: Promise<void> | undefined;
  return {
    ...server,
    forwarder,
    stats: () => forwarder.stats(),
    close: () =>
      (closing ??= (async () => {
        // Forwarded requests in flight either way end here, as with any connection the server closes.
        forwarder.stop();
        await server.close();
      })()),
  };
}
