/**
 * What a capacity plan needs from one server process (one core: the server runs one
 * scheduler in a process of its own, the load generator in another): the request rate it
 * sustains with p99 under 10 ms, and the bytes one tools/call puts on the wire. The
 * projection (`npm run bench -- project`) reads both from the results.
 */
import type { Measurement } from '../../harness/types';
import { cannon, openSessions, startServer, type ServerSide } from './load';

/** The p99 bound of the capacity figure, in µs. */
export const P99_BOUND_US = 10_000;
/** Connection counts swept, each on its own session; the sweep stops at the first past the bound. */
export const SWEEP = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * Requests/s at p99 < 10 ms: autocannon at 1, 2, 4, ... connections, `size` requests per
 * step; the value is the best rate of a step whose p99 stayed under 10 ms. Each step's rate
 * and p99 are kept as detail (`rps_c<n>`, `p99Us_c<n>`): throughput against connections.
 */
export async function rateAtP99Bound(side: ServerSide, size: number): Promise<Measurement> {
  const server = await startServer(side);
  try {
    const sessions = await openSessions(server.url, SWEEP[SWEEP.length - 1]!);
    // The server process is new: its first requests would time the JIT, not the server.
    await cannon(server, side, sessions.slice(0, 8), 8, size);
    const detail: Record<string, number> = {};
    let best = 0;
    for (const connections of SWEEP) {
      const run = await cannon(server, side, sessions.slice(0, connections), connections, size);
      const p99 = run.percentilesUs['99']!;
      detail[`rps_c${connections}`] = run.requestsPerSecond;
      detail[`p99Us_c${connections}`] = p99;
      detail.connectionsSwept = connections;
      if (p99 >= P99_BOUND_US) break;
      if (run.requestsPerSecond > best) {
        best = run.requestsPerSecond;
        detail.connectionsAtBest = connections;
      }
    }
    return { value: best, detail };
  } finally {
    await server.stop();
  }
}

/**
 * Bytes on the wire per tools/call, request and answer, counted on the server's sockets
 * (HTTP headers, body and SSE framing included) over `size` calls on 10 kept-alive
 * connections. Detail: `in` (client to server) and `out` per call.
 */
export async function wireBytesPerCall(side: ServerSide, size: number): Promise<Measurement> {
  const server = await startServer(side);
  try {
    const sessions = await openSessions(server.url, 10);
    await cannon(server, side, sessions, 10, 10); // connections open, first answers sent
    const before = await server.bytes();
    const run = await cannon(server, side, sessions, 10, size);
    const after = await server.bytes();
    const bytesIn = (after.read - before.read) / run.requests;
    const bytesOut = (after.written - before.written) / run.requests;
    return { value: bytesIn + bytesOut, detail: { in: bytesIn, out: bytesOut } };
  } finally {
    await server.stop();
  }
}
