import path from 'node:path';
import type { Category } from '../../harness/types';
import { mcpThroughNodes } from './mcp-three-nodes';
import { mcpTaskPoll } from './mcp-task-poll';
import * as ours from './ours';
import * as peer from './peer';

/**
 * @erlmcp/distribution against bare NATS between the same two processes (this one and node
 * 'bench-b', each side with its own nats-server): what the runtime adds over the transport.
 * cross_node_call: GenServer.call round trips one at a time vs nc.request/msg.respond.
 * cross_node_cast: GenServer.cast to a server that counts them vs nc.publish to a counting
 * subscriber (ours batches the casts of one turn of the event loop into one NATS message
 * per node; the bare side publishes one NATS message each).
 * mcp_three_nodes: MCP tools/call (half in 2025 sessions, half 2026-07-28 stateless) from a
 * round-robin balancer through three node processes, sessions forwarded to their owner over
 * NATS as needed, against the same traffic to one node.
 * mcp_task_poll: 2026-07-28 tasks/get of tasks held on three nodes, round robin (forwarded to
 * the task's node when it lands elsewhere) against each poll sent to the task's own node.
 */
export const cluster: Category = {
  name: 'cluster',
  peer: 'bare NATS (@nats-io/transport-node 3.3.1)',
  readme: path.resolve(__dirname, '../../../../packages/distribution/README.md'),
  scenarios: [
    {
      name: 'cross_node_call',
      unit: 'calls/s',
      size: { full: 20_000, smoke: 200 },
      target: 0.8,
      ours: ours.crossNodeCall,
      peer: peer.crossNodeCall,
    },
    {
      name: 'cross_node_cast',
      unit: 'msgs/s',
      size: { full: 500_000, smoke: 2_000 },
      target: 0.8,
      ours: ours.crossNodeCast,
      peer: peer.crossNodeCast,
    },
    {
      name: 'mcp_three_nodes',
      unit: 'calls/s',
      size: { full: 6_000, smoke: 40 },
      peerLabel: 'one node (the same server, a cluster of one)',
      ours: (size) => mcpThroughNodes(3, size),
      peer: (size) => mcpThroughNodes(1, size),
      note: (_ours, _peer, detail) =>
        `${Math.round((detail.forwardedShare ?? 0) * 100)}% of all calls through three nodes (half are session calls) reached a node that did not own their session and were forwarded over NATS; on a 2-core machine three nodes and nats-server share the cores one node had, so the ratio shows what forwarding costs, not what more machines add.`,
    },
    {
      name: 'mcp_task_poll',
      unit: 'polls/s',
      size: { full: 6_000, smoke: 40 },
      peerLabel: "each poll to the task's own node (affinity: nothing forwarded)",
      ours: (size) => mcpTaskPoll(true, size),
      peer: (size) => mcpTaskPoll(false, size),
      note: (_ours, _peer, detail) =>
        `${Math.round((detail.forwardedShare ?? 0) * 100)}% of the round-robin polls reached a node that did not hold their task and were forwarded over NATS to the one that does; both sides run three nodes on the same 2 cores.`,
    },
  ],
};
