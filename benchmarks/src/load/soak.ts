/**
 * The soak: the mix of transports at 80% of the highest rate the mix sustains (measured
 * first, unless --rate gives the rate) for the duration, while sessions keep opening,
 * answering a call and closing beside the steady users. It passes when no request is lost or
 * mismatched, p99 stays under 10 ms with the generator on schedule, the server's RSS under
 * the load (less V8's young generation) grows by less than 5% from the end of the warm-up
 * (the first fifth) to the end, and no closed session is left behind.
 */
import os from 'node:os';
import type { LoadOptions } from './args';
import { pinningPlan, pinProcess, type PinResult } from './affinity';
import { measureCapacity, P99_BOUND_US, rateAtLoad, rateStep } from './capacity';
import { exchange, runEngine } from './engine';
import { HttpPools, HttpSession } from './http-session';
import { ProgressLine } from './progress';
import { describeSchedule, keptSchedule, LAG_BOUND_US } from './schedule-lag';
import { buildResult, type LoadResult } from './result';
import { type ServerStats, startServerUnderTest } from './server/spawn';
import { type FailureCause, Tally } from './tally';
import { openUsers, transportOf, UserFactory } from './users';
import { StallTrace } from './stall-trace';
import { slowSeconds, type SoakTrace, traceFigures } from './soak-trace';

export const SOAK_FRACTION = 0.8;
export const RSS_GROWTH_LIMIT = 0.05;
/** The churn's sessions are numbered from here (the steady ones from 0). */
const CHURN_FIRST_VU = 1_000_000;
/** After the warm-up's forced GCs, this long at the soak's rate before the soak is timed. */
const SETTLE_MS = 10_000;

/**
 * RSS less V8's young generation (its resident pages). V8 sizes new space by the allocation
 * rate, growing and shrinking it between 1 and 32 MiB here on its own while the heap in use
 * stays flat: the soak saw RSS after GC step by exactly those sizes. What a leak would grow
 * is the rest.
 */
function outsideYoung(s: ServerStats): number {
  return s.rss - (s.spaces.new_space ?? 0);
}

/** A memory sample as plain numbers (the V8 spaces' committed sizes by name). */
function flatten(s: ServerStats): Record<string, number> {
  const { spaces, ...rest } = s;
  const out: Record<string, number> = { ...rest };
  for (const [name, size] of Object.entries(spaces)) out[name] = size;
  return out;
}

/**
 * Opens a session, sends one call, closes it; every `everyMs` until `until` resolves. Each
 * cycle counts in `tally()`: the rate search's tally while it runs, then the soak's.
 */
async function churn(
  pools: HttpPools,
  tally: () => Tally,
  everyMs: number,
  until: Promise<void>,
  first: number,
  closedAt: number[],
): Promise<number> {
  let done = false;
  void until.then(() => (done = true));
  let vu = first;
  let cycles = 0;
  while (!done) {
    const session = new HttpSession(vu++, pools);
    try {
      await session.open();
      await exchange({ session, nextId: 1 }, 'call', tally(), 10_000);
      await session.close();
      closedAt.push(Date.now());
      cycles += 1;
    } catch (error) {
      tally().fail('transport', `churn session ${session.vu}: ${(error as Error).message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return cycles;
}

export async function runSoak(options: LoadOptions): Promise<LoadResult> {
  const loadStart = os.loadavg();
  const generatorTrace = new StallTrace();
  const churnClosedAt: number[] = [];
  const progress = new ProgressLine('soak', Math.round(options.durationMs / 1000));
  const plan = options.pin ? pinningPlan() : undefined;
  const cpus = plan !== undefined && 'server' in plan ? plan : undefined;
  const server = await startServerUnderTest(
    { maxSessions: Math.max(100_000, options.vus * 2) },
    options.vus * 2 + 1024,
    cpus?.server,
  );
  let generatorPinned: PinResult = {
    pinned: false,
    reason: plan !== undefined && 'reason' in plan ? plan.reason : 'not asked',
  };
  if (cpus !== undefined) generatorPinned = pinProcess(process.pid, cpus.generator);
  if (options.pin)
    progress.note(
      generatorPinned.pinned && server.pinned.pinned
        ? `server pinned to CPU ${cpus!.server}, generator to CPU ${cpus!.generator}`
        : `NOT pinned: ${[generatorPinned, server.pinned].map((p) => (p.pinned ? '' : p.reason)).find((r) => r !== '')}`,
    );
  const tally = new Tally();
  const factory = new UserFactory(server.addresses, tally);
  const churnPools = new HttpPools(server.addresses.sseUrl, 4);
  let stopChurn!: () => void;
  const churnDone = new Promise<void>((resolve) => (stopChurn = resolve));
  let churned: Promise<number> = Promise.resolve(0);
  try {
    const users = await openUsers(options.vus, (vu) => factory.create(transportOf('mix', vu), vu), tally);
    if (users.failed > 0) throw new Error(`soak: ${users.failed} sessions failed to open: ${tally.samples[0]}`);
    // Sessions open and close from here on, through the rate search as through the soak: the
    // rate is what this mix sustains, churn included.
    // While the rate is searched, the churn's calls count apart (their latencies at the
    // search's overloaded steps are not the soak's); their failures join the soak's below.
    const searchChurn = new Tally();
    let churnTally = searchChurn;
    churned = churn(churnPools, () => churnTally, options.smoke ? 50 : 100, churnDone, CHURN_FIRST_VU, churnClosedAt);
    let rate = options.rate;
    let saturation = 0;
    let maxSustainable = 0;
    let sustainedStepFound = true;
    if (rate !== undefined && !options.smoke) {
      // A given rate skips the sweep, which is what warms the server (its JIT, and V8's young
      // generation, which starts at 1 MiB and grows under a steady allocation rate): without
      // it, the first 20 s at the quiet window's 12,433/s ran overloaded (4,096 in flight).
      // So a ramp to the rate, 5 s a step, counted apart as the sweep is.
      for (const fraction of [0.25, 0.5, 0.75, 1]) {
        const step = await rateStep(users.sessions, options.operations, Math.round(rate * fraction), 5_000);
        progress.note(
          `warm-up ${step.rate}/s: ${step.achieved.toFixed(0)}/s, p99 ${(step.p99Us / 1000).toFixed(1)} ms; ${describeSchedule(step.schedule)}`,
        );
      }
    }
    if (rate === undefined) {
      const stepMs = options.smoke ? 300 : 5_000;
      const capacity = await measureCapacity(users.sessions, options.operations, stepMs, (step) =>
        progress.note(
          `step ${step.rate}/s: ${step.achieved.toFixed(0)}/s, p99 ${(step.p99Us / 1000).toFixed(1)} ms, ${step.held ? 'sustained' : 'NOT sustained'}; ${describeSchedule(step.schedule)}`,
        ),
      );
      saturation = capacity.saturation;
      maxSustainable = capacity.maxSustainable;
      const atLoad = rateAtLoad(capacity, SOAK_FRACTION);
      rate = atLoad.rate;
      sustainedStepFound = atLoad.sustained;
      progress.note(
        `saturation ${saturation.toFixed(0)} answers/s, highest rate sustained ${sustainedStepFound ? `${maxSustainable}/s` : 'none (80% of the lowest step)'}: soaking at ${rate}/s`,
      );
    }
    const memory: Array<Record<string, number>> = [];
    const record = (second: number, s: ServerStats, forcedGc: boolean): void =>
      void memory.push({ second, forcedGc: forcedGc ? 1 : 0, ...flatten(s) });
    // The server's memory after forced full GCs, between the warm-up (the sweep or the ramp)
    // and the soak, and again after the load: what it holds, beside the verdict's samples
    // below. No GC is forced while the soak is timed: three forced full GCs held the server's
    // loop 35-120 ms and left it slow for 0.3-0.8 s after, however the load was paused around
    // them (the trace of 2026-12-07 09:33-09:49 UTC); every tenth of the run, they were the
    // soak's p99. A settle at the soak's rate follows them, counted apart as the sweep is.
    const beforeSoak = await server.stats(true);
    record(0, beforeSoak, true);
    if (!options.smoke) {
      const settle = await rateStep(users.sessions, options.operations, rate, SETTLE_MS);
      progress.note(
        `settle after the warm-up's memory sample ${settle.rate}/s: ${settle.achieved.toFixed(0)}/s, p99 ${(settle.p99Us / 1000).toFixed(1)} ms`,
      );
    }
    churnTally = tally;
    for (const [cause, n] of Object.entries(searchChurn.counts.failed)) tally.counts.failed[cause as FailureCause] += n;
    tally.samples.push(...searchChurn.samples.slice(0, Math.max(0, 10 - tally.samples.length)));
    const seconds = Math.max(1, Math.round(options.durationMs / 1000));
    // The verdict's samples: RSS as it is under the load (no GC forced), at the end of the
    // warm-up (the first fifth: the 10-minute run of 2026-12-07 10:00 grew 13 MiB in its first
    // minute, from the forced sample after the sweep, then stayed within 1 MiB) and when the
    // load ends; between them a trajectory, a tenth of the run apart.
    const warmupSeconds = Math.max(1, Math.round(seconds / 5));
    const sampleEvery = Math.max(1, Math.round(seconds / 10));
    let atWarmup: ServerStats | undefined;
    tally.classify = (vu) => (vu >= CHURN_FIRST_VU ? 'churn' : transportOf('soak', vu));
    const startedAt = Date.now();
    // When each second of the timeline closed, wall clock: the trace's logs are laid beside it.
    const secondEnds: number[] = [startedAt];
    let sampling: Promise<void> = Promise.resolve();
    const { elapsedMs } = await runEngine({
      sessions: users.sessions,
      operations: options.operations,
      durationMs: options.durationMs,
      rate,
      timeoutMs: options.timeoutMs,
      tally,
      onSecond: (second) => {
        secondEnds[second] = Date.now();
        tally.tick(second);
        progress.update(second, tally);
        if (second === warmupSeconds || second % sampleEvery === 0)
          sampling = sampling.then(() =>
            server.stats(false).then((s) => {
              if (second === warmupSeconds) atWarmup = s;
              record(second, s, false);
            }),
          );
      },
    });
    await sampling;
    const end = await server.stats(false);
    record(Math.round(elapsedMs / 1000), end, false);
    stopChurn();
    const cycles = await churned;
    progress.done();
    const afterLoad = await server.stats(true);
    record(Math.round(elapsedMs / 1000) + 1, afterLoad, true);
    const result = buildResult({ ...options, rate }, tally, {
      elapsedMs,
      loadStart,
      initialize: users.initialize.summary(),
    });
    const start = atWarmup ?? beforeSoak;
    const rawGrowth = (end.rss - start.rss) / start.rss;
    const growth = (outsideYoung(end) - outsideYoung(start)) / outsideYoung(start);
    // A run with the processes pinned is its own row (load-soak-pinned.json); the default keeps load-soak.json.
    if (options.pin) result.scenario = 'soak-pinned';
    result.server = { rssStart: start.rss, rssEnd: end.rss, sessionsEnd: afterLoad.sessions };
    result.byClass = tally.classes();
    const serverLog = await server.trace();
    const generatorLog = generatorTrace.take();
    const trace: SoakTrace = {
      startedAt,
      server: serverLog,
      generator: generatorLog,
      churnClosedAt,
      slowSeconds: slowSeconds(tally.timeline, secondEnds, serverLog, generatorLog, churnClosedAt, P99_BOUND_US),
    };
    result.trace = trace;
    result.memory = memory;
    const schedule = tally.schedule.summary();
    const kept = keptSchedule(schedule);
    progress.note(
      `${describeSchedule(schedule)}${kept ? '' : ': the generator FELL BEHIND, so the latencies include its lag'}`,
    );
    result.extra = {
      saturationRate: Math.round(saturation),
      maxSustainableRate: maxSustainable,
      sustainedStepFound: sustainedStepFound ? 1 : 0,
      soakRate: rate,
      pinned: generatorPinned.pinned && server.pinned.pinned ? 1 : 0,
      generatorLagP50Us: schedule.lagP50Us,
      generatorLagP99Us: schedule.lagP99Us,
      generatorLagMaxUs: schedule.lagMaxUs,
      generatorSentLate: schedule.sentLate,
      generatorMaxBehind: schedule.maxBehind,
      generatorNotSent: schedule.notSent,
      rssAfterWarmupBytes: start.rss,
      rssEndBytes: end.rss,
      rssGrowth: rawGrowth,
      rssOutsideYoungGenerationAfterWarmupBytes: outsideYoung(start),
      rssOutsideYoungGenerationEndBytes: outsideYoung(end),
      rssOutsideYoungGenerationGrowth: growth,
      youngGenerationAfterWarmupBytes: start.spaces.new_space ?? 0,
      youngGenerationEndBytes: end.spaces.new_space ?? 0,
      // Beside RSS, what makes it up: a flat heap with RSS growing is not retained JavaScript.
      heapAfterWarmupBytes: start.heapUsed,
      heapEndBytes: end.heapUsed,
      heapCommittedAfterWarmupBytes: start.heapTotal,
      heapCommittedEndBytes: end.heapTotal,
      externalAfterWarmupBytes: start.external,
      externalEndBytes: end.external,
      arrayBuffersAfterWarmupBytes: start.arrayBuffers,
      arrayBuffersEndBytes: end.arrayBuffers,
      fdsAfterWarmup: start.fds,
      fdsEnd: end.fds,
      // After forced full GCs: between the warm-up and the soak, and after the load.
      rssForcedGcBeforeSoakBytes: beforeSoak.rss,
      rssForcedGcAfterLoadBytes: afterLoad.rss,
      rssForcedGcGrowth: (afterLoad.rss - beforeSoak.rss) / beforeSoak.rss,
      heapForcedGcBeforeSoakBytes: beforeSoak.heapUsed,
      heapForcedGcAfterLoadBytes: afterLoad.heapUsed,
      fdsAfterLoad: afterLoad.fds,
      sessionsOpenedAndClosed: cycles,
      ...traceFigures(trace),
    };
    const c = tally.counts;
    result.verdicts = {
      'no request lost': c.failed.lost === 0,
      'no answer mismatched': c.failed.mismatch === 0,
      'no request failed': tally.failedTotal === 0 && c.dropped === 0,
      [`the generator kept its schedule (lag p99 <= ${LAG_BOUND_US / 1000} ms, every arrival sent)`]: kept,
      // A p99 taken while the generator was behind is its backlog's, not the server's.
      'p99 under 10 ms, with the generator on schedule': kept && result.latency.p99Us < P99_BOUND_US,
      'RSS under the load, less the young generation, grew < 5% from the end of the warm-up': growth < RSS_GROWTH_LIMIT,
      'no closed session left behind': afterLoad.sessions === users.sessions.length,
    };
    await Promise.all(users.sessions.map((s) => s.close().catch(() => undefined)));
    return result;
  } finally {
    generatorTrace.stop();
    stopChurn();
    await churned.catch(() => undefined);
    await churnPools.close();
    await factory.close();
    await server.stop();
  }
}
