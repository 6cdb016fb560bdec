/**
 * The scaling row: the same divisible message work on one scheduler and on two. PAIRS
 * producer → sink pairs, each pair on one scheduler (its casts are local sends, a mailbox
 * push each); with one scheduler every pair runs on worker 1, with two the pairs alternate
 * between workers 1 and 2. The node has three schedulers for both sides: scheduler 0 (the
 * main thread) only starts the pairs and waits, so both sides run their work on worker
 * threads of the same kind and two schedulers can, in principle, do it in half the time.
 *
 * Both sides run in one process, in ROUNDS alternating rounds with a full collection before
 * each (the batcher's paired rows do the same): the machine's load moves between runs minutes
 * apart, and a ratio of two such runs says more about that than about the runtime. Each
 * round's CPU time per message is kept beside its rate: it is less swayed by other work.
 *
 * Where the cores went (Linux): each scheduler thread's time split into running, runnable
 * but waiting for a core (the machine's other work), and asleep (nothing to run: its idle
 * time); the rest of the process's CPU time is the main thread's and V8's helper threads'
 * (parallel scavenges, concurrent marking, compilers).
 */
import os from 'node:os';
import { GenServer, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';
import { inProcess, onNode } from '../../harness/node';
import { median } from '../../harness/stats';
import { threadTime, type ThreadTime } from '../../harness/thread-time';
import type { Measurement } from '../../harness/types';
import type { SinkThread } from './remote';

const remote = require.resolve('./remote');
const sinkDef = GenServer.remote<never>(remote, 'sink');

/** Producer → sink pairs: enough that each scheduler interleaves several processes. */
export const PAIRS = 4;
/** Rounds of each side; a smoke-size run (under SMALL messages a pair) does one, to stay within seconds. */
export const ROUNDS = 5;
const SMALL = 100_000;

interface Round {
  rate: number;
  cpuNsPerMessage: number;
  /** CPU time over wall time: the cores the process kept busy (V8's GC helper threads included). */
  coresBusy: number;
  /** Of the scheduler threads running the pairs, in cores: on a core, waiting for one, asleep (NaN off Linux). */
  schedulersRunning: number;
  schedulersWaiting: number;
  schedulersAsleep: number;
  /** The rest of the process's CPU time, in cores: V8's helper threads and the (idle) main thread. */
  otherThreads: number;
}

const isSinkThread = (m: unknown): m is SinkThread => typeof m === 'object' && m !== null && 'sinkThread' in m;

/** `size` casts in each of PAIRS pairs placed round-robin on `workers`: messages/s and CPU ns per message. */
async function round(ctx: ProcessContext, size: number, workers: number[]): Promise<Round> {
  const sinks = await Promise.all(
    Array.from({ length: PAIRS }, async (_, i) => {
      const scheduler = workers[i % workers.length]!;
      const args = { notify: ctx.self, expected: size, reportThread: true };
      const pid = (await GenServer.start(sinkDef, args as never, { scheduler })) as Pid;
      return { pid, scheduler };
    }),
  );
  const tids = new Set<number>();
  for (let i = 0; i < PAIRS; i++) {
    const { sinkThread } = (await ctx.receive(isSinkThread, 60_000)) as SinkThread;
    if (sinkThread !== undefined) tids.add(sinkThread);
  }
  const threads = [...tids];
  (globalThis as { gc?: () => void }).gc?.();
  const threadsBefore = threads.map(threadTime);
  const before = process.cpuUsage();
  const started = performance.now();
  for (const { pid, scheduler } of sinks)
    spawn({ module: remote, export: 'producer', args: [[pid], size] }, { scheduler });
  for (let i = 0; i < PAIRS; i++) await ctx.receive((m) => m === 'sink_done', 600_000);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(before);
  const threadsAfter = threads.map(threadTime);
  await Promise.all(sinks.map(({ pid }) => GenServer.stop(pid)));
  const messages = PAIRS * size;
  const cpuUs = used.user + used.system;
  // Nanoseconds summed over the scheduler threads, in cores (NaN where /proc did not tell).
  const sum = (field: keyof ThreadTime): number =>
    threads.length === workers.length
      ? threads.reduce((t, _, i) => t + threadsAfter[i]![field] - threadsBefore[i]![field], 0) / 1e9 / seconds
      : NaN;
  const readable = threadsBefore.every((t) => t !== undefined) && threadsAfter.every((t) => t !== undefined);
  const running = readable ? sum('runNs') : NaN;
  const waiting = readable ? sum('waitNs') : NaN;
  return {
    rate: messages / seconds,
    cpuNsPerMessage: (cpuUs * 1000) / messages,
    coresBusy: cpuUs / 1e6 / seconds,
    schedulersRunning: running,
    schedulersWaiting: waiting,
    schedulersAsleep: Math.max(0, workers.length - running - waiting),
    otherThreads: cpuUs / 1e6 / seconds - running,
  };
}

/** Both sides in one node and one process, alternating rounds; each side's value is its median round. */
export function scalingPaired(size: number): Promise<{ ours: Measurement; peer: Measurement }> {
  return onNode(3, () =>
    inProcess(async (ctx) => {
      const sides = { ours: [1, 2], peer: [1] } as const;
      // The same untimed warm-up on each side, so every worker has compiled the hot paths.
      for (const side of ['ours', 'peer'] as const)
        await round(ctx, Math.max(1, Math.floor(size / 10)), [...sides[side]]);
      const rounds: Record<'ours' | 'peer', Round[]> = { ours: [], peer: [] };
      const load = os.loadavg()[0]!;
      const roundsPerSide = size < SMALL ? 1 : ROUNDS;
      for (let r = 0; r < roundsPerSide; r++) {
        for (const side of r % 2 === 0 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const)) {
          rounds[side].push(await round(ctx, size, [...sides[side]]));
        }
      }
      const ratios = rounds.ours.map((o, i) => o.rate / rounds.peer[i]!.rate);
      const of = (side: 'ours' | 'peer'): Measurement => {
        const value = median(rounds[side].map((x) => x.rate));
        return {
          value,
          ms: ((PAIRS * size) / value) * 1000,
          detail: {
            messages: PAIRS * size,
            schedulers: sides[side].length,
            perScheduler: value / sides[side].length,
            cpuNsPerMessage: median(rounds[side].map((x) => x.cpuNsPerMessage)),
            coresBusy: median(rounds[side].map((x) => x.coresBusy)),
            schedulersRunning: median(rounds[side].map((x) => x.schedulersRunning)),
            schedulersWaiting: median(rounds[side].map((x) => x.schedulersWaiting)),
            schedulersAsleep: median(rounds[side].map((x) => x.schedulersAsleep)),
            otherThreads: median(rounds[side].map((x) => x.otherThreads)),
            ...(side === 'ours'
              ? { roundRatioMedian: median(ratios), loadAverage1m: Math.max(load, os.loadavg()[0]!) }
              : {}),
          },
        };
      };
      return { ours: of('ours'), peer: of('peer') };
    }),
  );
}
