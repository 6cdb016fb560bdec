import { availableParallelism } from 'node:os';
import type { Scenario } from '../../harness/types';
import { CONNECTIONS, statelessToolsCall, statelessToolsCallWrk, type WrkShape } from './stateless';

const CORES = availableParallelism();
/**
 * wrk under SCHED_BATCH for both sides (wrk.ts, `batchScheduling`): on the two cores it shares
 * with the front door's two workers it then reads the answers in batches instead of being
 * woken, ahead of a worker, for each one; beside the single process it has a core to itself
 * and runs as before.
 */
const TWO_CORES_WRK: WrkShape = { batchScheduling: true };
const PIPELINED_WRK = { ...TWO_CORES_WRK, pipeline: 4 } satisfies WrkShape;
const WRK = 'wrk 4.1 under SCHED_BATCH (chrt --batch 0)';
const us = (detail: Record<string, number>, key: string): number => Math.round(detail[key] ?? 0);
/** Each process's share of the server's CPU per request (the primary, then the workers), when it has several. */
const processes = (d: Record<string, number>): string => {
  const shares = Object.keys(d)
    .filter((k) => /^process\d+CpuUsPerRequest$/.test(k))
    .sort((a, b) => parseInt(a.slice(7), 10) - parseInt(b.slice(7), 10))
    .map((k) => us(d, k));
  return shares.length > 1 ? ` (primary ${shares[0]}, workers ${shares.slice(1).join(' + ')})` : '';
};
const load = (o: Record<string, number>, p: Record<string, number>, generator = 'autocannon'): string =>
  `server CPU per request ${us(o, 'cpuUsPerRequest')} µs${processes(o)} / ${us(p, 'cpuUsPerRequest')} µs${processes(p)}; ` +
  `load generator (${generator}, the same on both sides, on the same cores) ${us(o, 'generatorCpuUsPerRequest')} µs / ${us(p, 'generatorCpuUsPerRequest')} µs; ` +
  `1-min load ${(o.load1 ?? 0).toFixed(1)} / ${(p.load1 ?? 0).toFixed(1)} at the start of each side's run, ${CORES} cores`;

/**
 * What the cores allow, from the single process's measured costs: with the generator on the
 * same cores, n processes serve at most CORES s of CPU per second / (server + generator CPU
 * per request), however well they scale. A bound derived from measured figures, not a rate.
 * From the costs alone, if the single process had a core to itself (1 / server CPU per
 * request), the ratio is at most CORES × server / (server + generator): printed in every run,
 * since it needs no idle cores to compute, though a loaded run's costs are a loaded run's.
 */
const ceiling = (single: number, p: Record<string, number>): string => {
  const server = p.cpuUsPerRequest ?? 0;
  const perRequest = server + (p.generatorCpuUsPerRequest ?? 0);
  if (!(perRequest > 0) || !(single > 0)) return '';
  const costs = `bound from the costs alone: ${CORES} × ${Math.round(server)} / ${Math.round(perRequest)} = ${((CORES * server) / perRequest).toFixed(2)}`;
  // Other work on the cores takes what the rate bound assumes is ours: it means nothing then.
  if (!((p.load1 ?? Infinity) < CORES))
    return `; ${costs}; no rate bound from this run: the cores were busy with other work (which also shares them out by process, two workers getting two shares)`;
  const rate = (CORES * 1e6) / perRequest;
  return `; bound on these ${CORES} cores at the single process's costs: ${Math.round(rate)} requests/s, ratio ${(rate / single).toFixed(2)}; ${costs}`;
};

/**
 * The 2026-07-28 (stateless) rows, issue 20, 50 keep-alive connections; each server in
 * processes of its own. http_stateless_tools_call: 10,000 calls after 2,000 of warm-up from
 * autocannon in the measuring process. stateless_two_cores: 5 s after a warm-up of
 * 30,000 requests per server process from wrk
 * (wrk.ts), which costs the cores the server shares with it less per request; without wrk
 * the row fails (WrkMissingError) rather than measure another generator's share.
 *
 * http_stateless_tools_call: our front door with every core (one worker per core) against
 * the official `@modelcontextprotocol/server` 2.x in its stateless pattern, which serves from
 * one process. stateless_two_cores: our front door with two workers against our single
 * process: how far a second core carries stateless traffic, wrk under SCHED_BATCH on both
 * sides. stateless_two_cores_pipelined: the same with 4 requests pipelined per connection, a
 * load shape of its own (no target). All need idle cores to mean anything: re-run them alone
 * on a quiet machine (`--only <row>`).
 */
export const statelessRows: Scenario[] = [
  {
    name: 'http_stateless_tools_call',
    unit: 'requests/s',
    peerLabel: '@modelcontextprotocol/server 2.4.0 (stateless)',
    size: { full: 10_000, smoke: 200 },
    target: 4,
    ours: (size) => statelessToolsCall(`ours-door:${CORES}`, size),
    peer: (size) => statelessToolsCall('peer', size),
    note: (_o, _p, o, p) =>
      `ours: the front door, ${CORES} workers; the SDK: one process, a server and transport per request; client in its own process; ${load(o, p)}`,
  },
  {
    name: 'stateless_two_cores',
    unit: 'requests/s',
    peerLabel: 'ours, one process',
    // Seconds of wrk (after the warm-up), not requests: wrk runs for a duration.
    size: { full: 5, smoke: 1 },
    target: 1.6,
    ours: (seconds) => statelessToolsCallWrk('ours-door:2', seconds, TWO_CORES_WRK),
    peer: (seconds) => statelessToolsCallWrk('ours', seconds, TWO_CORES_WRK),
    note: (_o, single, o, p) =>
      `front door with 2 workers vs listenHttp in one process; ${WRK} (1 thread, ${CONNECTIONS} connections, one request at a time on each, every answer checked) in its own process; ${load(o, p, 'wrk')}${ceiling(single, p)}`,
  },
  {
    // Not the figure: the same request with HTTP/1.1 pipelining, a different load shape.
    name: 'stateless_two_cores_pipelined',
    unit: 'requests/s',
    peerLabel: 'ours, one process',
    size: { full: 5, smoke: 1 },
    ours: (seconds) => statelessToolsCallWrk('ours-door:2', seconds, PIPELINED_WRK),
    peer: (seconds) => statelessToolsCallWrk('ours', seconds, PIPELINED_WRK),
    note: (_o, single, o, p) =>
      `stateless_two_cores with ${PIPELINED_WRK.pipeline} requests pipelined on each of the ${CONNECTIONS} connections (HTTP/1.1), every answer checked; ${WRK}; ${load(o, p, 'wrk')}${ceiling(single, p)}`,
  },
];
