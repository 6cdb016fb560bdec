import path from 'node:path';
import type { Category } from '../../harness/types';
import { rateAtP99Bound, wireBytesPerCall } from './capacity';
import { httpToolsCall, sessionMemory, wsToolsCall } from './load';
import { faultAtEndBody, nestedBody, rejectionScenario } from './rejection';
import { statelessRows } from './stateless-rows';

/**
 * Our MCP server (sessions as processes, Streamable HTTP on node:http) against the official
 * SDK's McpServer on its StreamableHTTPServerTransport (stateful, SSE replies), each in a
 * server process of its own under the same autocannon load.
 *
 * ws_tools_call has no peer that speaks MCP over WebSocket: its peer column is our own
 * Streamable HTTP server under the same request count, so its ratio says what WebSocket
 * framing buys over HTTP.
 *
 * rejected_nested_body and rejected_body_at_end time the refusal of a hostile body by the
 * decode every transport runs (the pre-scan, before JSON.parse), against JSON.parse of the
 * same body: what the body cost before the pre-scan. Their peer column is JSON.parse.
 *
 * http_tools_call and session_memory are also measured in the mixed mode (`<name>_mixed`,
 * issue 13): each server process loads and exercises the mixed application before it listens.
 * The other rows are not: the capacity sweep alone takes minutes, and the rejection rows time
 * a decode that holds no state across calls.
 *
 * http_rate_p99_10ms and wire_bytes_per_call are the capacity figures the scaling projection
 * reads (requests/s one core sustains with p99 under 10 ms, bytes per request on the wire).
 */
export const mcp: Category = {
  name: 'mcp',
  peer: '@modelcontextprotocol/sdk 1.32.2',
  readme: path.resolve(__dirname, '../../../../packages/mcp/README.md'),
  scenarios: [
    {
      name: 'http_tools_call',
      unit: 'requests/s',
      size: { full: 40_000, smoke: 200 },
      target: 4,
      mixed: 'server',
      ours: (size) => httpToolsCall('ours', size),
      peer: (size) => httpToolsCall('peer', size),
    },
    {
      name: 'session_memory',
      unit: 'RSS bytes/session',
      lowerIsBetter: true,
      size: { full: 10_000, smoke: 100 },
      target: 10,
      mixed: 'server',
      ours: (size) => sessionMemory('ours', size),
      peer: (size) => sessionMemory('peer', size),
    },
    {
      name: 'ws_tools_call',
      unit: 'requests/s',
      peerLabel: 'our Streamable HTTP',
      size: { full: 40_000, smoke: 200 },
      ours: (size) => wsToolsCall(size),
      peer: (size) => httpToolsCall('ours', size),
    },
    {
      name: 'http_rate_p99_10ms',
      unit: 'requests/s',
      size: { full: 5_000, smoke: 50 },
      ours: (size) => rateAtP99Bound('ours', size),
      peer: (size) => rateAtP99Bound('peer', size),
      note: (ours, peer, o, p) =>
        `best rate of a 1..256-connection sweep with p99 under 10 ms, one server core: ours at ${o.connectionsAtBest ?? '-'} connections, the SDK at ${p.connectionsAtBest ?? '-'}`,
    },
    {
      name: 'wire_bytes_per_call',
      unit: 'bytes/request',
      lowerIsBetter: true,
      size: { full: 5_000, smoke: 50 },
      ours: (size) => wireBytesPerCall('ours', size),
      peer: (size) => wireBytesPerCall('peer', size),
      note: (_o, _p, o, p) =>
        `HTTP bytes on the server's sockets per tools/call: ours ${Math.round(o.in ?? 0)} in, ${Math.round(o.out ?? 0)} out (JSON); the SDK ${Math.round(p.in ?? 0)} in, ${Math.round(p.out ?? 0)} out (SSE)`,
    },
    rejectionScenario('rejected_nested_body', nestedBody, 9),
    rejectionScenario('rejected_body_at_end', faultAtEndBody, 21),
    ...statelessRows,
  ],
};
