import path from 'node:path';
import type { Category } from '../../harness/types';
import * as gateway from './gateway';
import * as ours from './ours';
import * as peer from './peer';

/**
 * @erlmcp/transport-pool against generic-pool 3.9.0 (acquire/release, both
 * pools holding 10 real TCP sockets) and undici 6.29.1's Pool (HTTP requests
 * over 10 keep-alive connections). prewarm compares the pool opening its
 * connections in parallel with the same pool opening them one at a time.
 * gateway_tools_call: tools/call through examples/mcp-gateway over pooled MCP
 * sessions against a fresh MCP client connection per call to the same upstream,
 * over WebSocket, and (the _http_upstream row) over Streamable HTTP.
 */
const cpu = (detail: Record<string, number>): string =>
  detail.cpuUsPerRequest === undefined ? 'n/a' : `${Math.round(detail.cpuUsPerRequest)} µs`;

export const pool: Category = {
  name: 'pool',
  peer: 'generic-pool 3.9.0',
  readme: path.resolve(__dirname, '../../../../packages/transport-pool/README.md'),
  scenarios: [
    {
      name: 'acquire_release',
      unit: 'ops/s',
      size: { full: 2_000_000, smoke: 2_000 },
      target: 2,
      ours: ours.acquireRelease,
      peer: peer.acquireRelease,
    },
    {
      name: 'acquire_release_100',
      unit: 'ops/s',
      size: { full: 2_000_000, smoke: 2_000 },
      target: 2,
      ours: ours.acquireRelease100,
      peer: peer.acquireRelease100,
    },
    {
      name: 'http_requests',
      unit: 'requests/s',
      peerLabel: 'undici 6.29.1 Pool',
      size: { full: 100_000, smoke: 200 },
      target: 1,
      ours: ours.httpRequests,
      peer: peer.httpRequests,
      note: (_o, _p, od, pd) =>
        `client CPU per request (this process, user + system): ours ${cpu(od)}, undici's Pool ${cpu(pd)}`,
    },
    {
      name: 'gateway_tools_call',
      unit: 'calls/s',
      peerLabel: 'a fresh MCP connection per call',
      size: { full: 4_000, smoke: 50 },
      ours: (size) => gateway.throughGateway(size, 'websocket'),
      peer: (size) => gateway.freshConnection(size, 'websocket'),
      note: (_o, _p, od, pd) =>
        `upstream over WebSocket; CPU per call in the measuring process (callers and gateway): ${cpu(od)}; fresh connections: ${cpu(pd)}`,
    },
    {
      name: 'gateway_tools_call_http_upstream',
      unit: 'calls/s',
      peerLabel: 'a fresh MCP connection per call',
      size: { full: 1_000, smoke: 20 },
      ours: (size) => gateway.throughGateway(size, 'http'),
      peer: (size) => gateway.freshConnection(size, 'http'),
      note: (_o, _p, od, pd) =>
        `upstream over Streamable HTTP (@erlmcp/mcp connectHttp, which posts with fetch); CPU per call: ${cpu(od)}; fresh connections: ${cpu(pd)}`,
    },
    {
      name: 'prewarm',
      unit: 'connections/s',
      peerLabel: 'one connect at a time',
      size: { full: 100, smoke: 10 },
      ours: (size) => ours.prewarm(size, size),
      peer: (size) => ours.prewarm(size, 1),
    },
  ],
};
