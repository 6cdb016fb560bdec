import path from 'node:path';
import type { Category } from '../../harness/types';
import { LAG_BOUND_US } from '../../load/schedule-lag';
import { p99AtLoad } from './load-p99';
import { messageThroughput } from './messages';
import { PAIRS, scalingPaired } from './scaling';
import { concurrentSessions } from './sessions';

/** erlmcp v3's published figures, which these rows measure on this machine (issue 19). */
export const ERLMCP = {
  sessions: 100_000,
  p99Ms: 10,
  messagesPerSecond: 5_000_000,
  registryMessagesPerSecond: 553_000,
  queueMessagesPerSecond: 971_000,
} as const;

const k = (n: number | undefined): string => (n === undefined ? '-' : `${Math.round(n / 1000)}K`);
const f2 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(2));

/** Where a scaling run's cores went, 2-scheduler side then 1 (scaling.ts measures it). */
function coresNote(d: Record<string, number>, p: Record<string, number>): string {
  const side = (x: Record<string, number>): string =>
    `${f2(x.coresBusy)} busy: scheduler threads running ${f2(x.schedulersRunning)}, runnable but waiting for a core ${f2(x.schedulersWaiting)}, asleep ${f2(x.schedulersAsleep)}; other threads (V8 helpers, main) ${f2(x.otherThreads)}`;
  return `first run, in cores, on 2: ${side(d)}; on 1: ${side(p)}; CPU per message ${Math.round(d.cpuNsPerMessage ?? 0)} ns on 2, ${Math.round(p.cpuNsPerMessage ?? 0)} ns on 1; load average ${(d.loadAverage1m ?? 0).toFixed(1)} (2 cores: the 2-scheduler side needs both free)`;
}

/** The generator's lag at the row's rate: whether its p99 is the server's. */
const lagNote = (d: Record<string, number>): string =>
  d.generatorKeptSchedule === undefined
    ? 'generator lag not recorded'
    : `generator lag at that rate p99 ${((d.generatorLagP99UsAtLoad ?? 0) / 1000).toFixed(1)} ms, max ${((d.generatorLagMaxUsAtLoad ?? 0) / 1000).toFixed(1)} ms${d.generatorKeptSchedule === 1 ? ' (kept its schedule)' : `: it FELL BEHIND (${d.generatorSentLateAtLoad} sent > ${LAG_BOUND_US / 1000} ms late, at most ${d.generatorMaxBehindAtLoad} behind), so this p99 includes its lag`}`;

/**
 * erlmcp's headline targets measured on one node. Three rows stand beside erlmcp's claim (a
 * target it published, not something run here: the row's `claim`); `scaling` is measured
 * against the same workload on one scheduler. The load generator (benchmarks/src/load)
 * drives the MCP rows against the server under test in a process of its own.
 */
export const scale: Category = {
  name: 'scale',
  peer: "erlmcp v3's claim",
  readme: path.resolve(__dirname, '../../../README.md'),
  scenarios: [
    {
      name: 'concurrent_sessions',
      unit: 'sessions',
      size: { full: 100_000, smoke: 200 },
      maxRuns: 1,
      warmUp: false, // every run starts its own server processes
      target: 1,
      claim: { label: 'erlmcp v3 claim: 100K+ connections per node', value: ERLMCP.sessions },
      ours: concurrentSessions,
      note: (_o, _p, d) =>
        `initialized Streamable HTTP sessions held at once by one server process, each answering a tools/call at the end: ${Math.round(d.httpRssPerSession ?? 0)} B RSS per session, opened at ${Math.round(d.httpOpenPerSecond ?? 0)}/s; then ${d.wsConnections ?? '-'} of ${d.wsWanted ?? '-'} WebSocket sessions held at once by one node, a front door with ${d.wsWorkers ?? '-'} worker processes (${d.wsWorkerMinSessions ?? '-'} to ${d.wsWorkerMaxSessions ?? '-'} each: one process may hold ${d.fileLimit ?? '-'} descriptors here), from ${d.wsHolders ?? '-'} client processes on ${d.sourceAddresses ?? '-'} loopback source addresses: ${d.wsAnswered ?? '-'} answered, ${Math.round(d.wsRssPerConnection ?? 0)} B RSS each summed over the node's processes, opened at ${Math.round(d.wsOpenPerSecond ?? 0)}/s`,
    },
    {
      name: 'p99_at_load',
      unit: 'ms',
      lowerIsBetter: true,
      size: { full: 10_000, smoke: 300 },
      maxRuns: 1,
      target: 1,
      claim: { label: 'erlmcp v3 target: p99 < 10 ms', value: ERLMCP.p99Ms },
      ours: p99AtLoad,
      note: (_o, _p, d) =>
        `tools/call over Streamable HTTP (SSE), 64 sessions, open loop at 80% of the maximum sustainable rate${d.sustainedStepFound === 1 ? '' : ' (no step was sustained: 80% of the lowest step)'} (the highest sweep step with it and every step below it sustained: every arrival sent on schedule, none failed, answers in pace): ${Math.round(d.rateAtLoad ?? 0)}/s of ${Math.round(d.maxSustainableRate ?? 0)}/s (closed-loop saturation ${Math.round(d.saturationRate ?? 0)}/s); the highest step rate with p99 under 10 ms: ${Math.round(d.maxRateP99Under10ms ?? 0)}/s${(d.failedAtLoad ?? 0) > 0 ? `; at 80%, ${d.failedAtLoad} of ${d.sentAtLoad} requests failed or were not sent (the generator's in-flight limit): the p99 is of those answered` : ''}; ${lagNote(d)}; server and generator share the cores (p99_at_load_pinned separates them)`,
    },
    {
      name: 'p99_at_load_pinned',
      unit: 'ms',
      lowerIsBetter: true,
      size: { full: 10_000, smoke: 300 },
      maxRuns: 1,
      target: 1,
      claim: { label: 'erlmcp v3 target: p99 < 10 ms', value: ERLMCP.p99Ms },
      ours: (size) => p99AtLoad(size, true),
      note: (_o, _p, d) =>
        `${d.pinned === 1 ? `the server pinned to CPU ${d.serverCpu} and the load generator to CPU ${d.generatorCpu} (taskset, every thread of each process)` : 'NOT pinned (taskset missing, or fewer than 2 CPUs): measured like p99_at_load'}; tools/call over Streamable HTTP (SSE), 64 sessions, open loop at 80% of the maximum sustainable rate${d.sustainedStepFound === 1 ? '' : ' (no step was sustained: 80% of the lowest step)'} (the highest sweep step with it and every step below it sustained): ${Math.round(d.rateAtLoad ?? 0)}/s of ${Math.round(d.maxSustainableRate ?? 0)}/s (closed-loop saturation ${Math.round(d.saturationRate ?? 0)}/s); the highest step rate with p99 under 10 ms: ${Math.round(d.maxRateP99Under10ms ?? 0)}/s; ${lagNote(d)}`,
    },
    {
      name: 'message_throughput',
      unit: 'msgs/s',
      size: { full: 1_000_000, smoke: 5_000 },
      target: 1,
      claim: { label: 'erlmcp v3 target: 5M msgs/s', value: ERLMCP.messagesPerSecond },
      ours: (size) => messageThroughput(size, 2),
      note: (ours, _p, d) =>
        `casts on 2 schedulers, half local and half cross-scheduler (batched ring frames), timed after an untimed round of the same size on the same node (its fresh worker thread ran it at ${k(d.warmUpRate)}/s): ${k(ours / (d.schedulers ?? 2))} per core; erlmcp measured ${k(ERLMCP.registryMessagesPerSecond)} (registry) and ${k(ERLMCP.queueMessagesPerSecond)} (queue): ours is ${(ours / ERLMCP.queueMessagesPerSecond).toFixed(1)}x its queue figure; first run: CPU ${Math.round(d.cpuNsPerMessage ?? 0)} ns a message (all threads), ${f2(d.coresBusy)} cores busy, load average ${(d.loadAverage1m ?? 0).toFixed(1)}`,
    },
    {
      name: 'scaling',
      unit: 'msgs/s',
      peerLabel: 'the same work on 1 scheduler',
      size: { full: 1_000_000, smoke: 2_000 },
      target: 1.7,
      ours: async (size) => (await scalingPaired(size)).ours,
      paired: scalingPaired,
      note: (ours, peer, d, p) =>
        `${PAIRS} producer → sink pairs of local casts on worker schedulers, split over 2 against all on 1 (the main thread idle on both sides), alternating rounds in one process: 2 / 1 = ${(ours / peer).toFixed(2)} (per-core efficiency ${(ours / peer / 2).toFixed(2)}); median of the first run's rounds' own ratios ${(d.roundRatioMedian ?? 0).toFixed(2)}; ${coresNote(d, p)}; the projection to 10x and 100x: benchmarks/README.md, "Scale"`,
    },
    {
      // A measurement, not the default runtime: V8 told to collect on the collecting thread
      // alone, so the 2-scheduler side's cores are not shared with GC helper threads.
      name: 'scaling_single_threaded_gc',
      unit: 'msgs/s',
      peerLabel: 'the same work on 1 scheduler, --single-threaded-gc',
      size: { full: 1_000_000, smoke: 2_000 },
      target: 1.7,
      runtime: { ours: { execArgv: ['--max-old-space-size=4096', '--single-threaded-gc'] } },
      ours: async (size) => (await scalingPaired(size)).ours,
      paired: scalingPaired,
      note: (ours, peer, d, p) =>
        `the scaling row's rounds with node --single-threaded-gc on both sides (not the default: measures what V8's helper threads cost the 2-scheduler side): 2 / 1 = ${(ours / peer).toFixed(2)}; ${coresNote(d, p)}`,
    },
  ],
};
