/**
 * The soak: the mix of transports at 80% of the server's saturation rate (measured first,
 * unless --rate gives the rate) for the duration, while sessions keep opening, answering a
 * call and closing beside the steady users. It passes when no request is lost or mismatched,
 * p99 stays under 10 ms, the server's RSS after a full GC grows by less than 5% from the end
 * of the warm-up (the first fifth) to the end, and no closed session is left behind.
 */
import os from 'node:os';
import type { LoadOptions } from './args';
import { P99_BOUND_US, saturationRate } from './capacity';
import { exchange, runEngine } from './engine';
import { HttpPools, HttpSession } from './http-session';
import { ProgressLine } from './progress';
import { buildResult, type LoadResult } from './result';
import { startServerUnderTest } from './server/spawn';
import { Tally } from './tally';
import { openUsers, transportOf, UserFactory } from './users';

export const SOAK_FRACTION = 0.8;
export const RSS_GROWTH_LIMIT = 0.05;

/** Opens a session, sends one call, closes it; every `everyMs` until `until` resolves. */
async function churn(
  pools: HttpPools,
  tally: Tally,
  everyMs: number,
  until: Promise<void>,
  first: number,
): Promise<number> {
  let done = false;
  void until.then(() => (done = true));
  let vu = first;
  let cycles = 0;
  while (!done) {
    const session = new HttpSession(vu++, pools);
    try {
      await session.open();
      await exchange({ session, nextId: 1 }, 'call', tally, 10_000);
      await session.close();
      cycles += 1;
    } catch (error) {
      tally.fail('transport', `churn session ${session.vu}: ${(error as Error).message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return cycles;
}

export async function runSoak(options: LoadOptions): Promise<LoadResult> {
  const loadStart = os.loadavg();
  const progress = new ProgressLine('soak', Math.round(options.durationMs / 1000));
  const server = await startServerUnderTest(
    { maxSessions: Math.max(100_000, options.vus * 2) },
    options.vus * 2 + 1024,
  );
  const tally = new Tally();
  const factory = new UserFactory(server.addresses, tally);
  const churnPools = new HttpPools(server.addresses.sseUrl, 4);
  try {
    const users = await openUsers(options.vus, (vu) => factory.create(transportOf('mix', vu), vu), tally);
    if (users.failed > 0) throw new Error(`soak: ${users.failed} sessions failed to open: ${tally.samples[0]}`);
    let rate = options.rate;
    let saturation = 0;
    if (rate === undefined) {
      const probeMs = options.smoke ? 1_000 : 15_000;
      await saturationRate(users.sessions, options.operations, Math.min(probeMs, 3_000)); // JIT warm-up
      saturation = (await saturationRate(users.sessions, options.operations, probeMs)).rate;
      rate = Math.max(1, Math.round(saturation * SOAK_FRACTION));
      progress.note(`saturation ${saturation.toFixed(0)} answers/s: soaking at ${rate}/s`);
    }
    const warmupSeconds = Math.max(1, Math.round(options.durationMs / 5000));
    let rssAfterWarmup = 0;
    let heapAfterWarmup = 0;
    let externalAfterWarmup = 0;
    let sampling: Promise<void> = Promise.resolve();
    let stopChurn!: () => void;
    const churnDone = new Promise<void>((resolve) => (stopChurn = resolve));
    const churned = churn(churnPools, tally, options.smoke ? 50 : 100, churnDone, 1_000_000);
    const rssSamples: number[] = [];
    const { elapsedMs } = await runEngine({
      sessions: users.sessions,
      operations: options.operations,
      durationMs: options.durationMs,
      rate,
      timeoutMs: options.timeoutMs,
      tally,
      onSecond: (second) => {
        tally.tick(second);
        progress.update(second, tally);
        if (second === warmupSeconds)
          sampling = server.stats(true).then((s) => {
            rssAfterWarmup = s.rss;
            heapAfterWarmup = s.heapUsed;
            externalAfterWarmup = s.external;
          });
        else if (second % 10 === 0) sampling = server.stats(false).then((s) => void rssSamples.push(s.rss));
      },
    });
    stopChurn();
    const cycles = await churned;
    await sampling;
    progress.done();
    const end = await server.stats(true);
    const result = buildResult({ ...options, rate }, tally, {
      elapsedMs,
      loadStart,
      initialize: users.initialize.summary(),
    });
    const growth = rssAfterWarmup > 0 ? (end.rss - rssAfterWarmup) / rssAfterWarmup : 0;
    result.server = { rssStart: rssAfterWarmup, rssEnd: end.rss, sessionsEnd: end.sessions };
    result.extra = {
      saturationRate: Math.round(saturation),
      soakRate: rate,
      rssAfterWarmupBytes: rssAfterWarmup,
      rssEndBytes: end.rss,
      rssGrowth: growth,
      // Beside RSS, what the program holds: flat heap with growing RSS is the allocator, not a leak.
      heapAfterWarmupBytes: heapAfterWarmup,
      heapEndBytes: end.heapUsed,
      externalAfterWarmupBytes: externalAfterWarmup,
      externalEndBytes: end.external,
      sessionsOpenedAndClosed: cycles,
      ...(rssSamples.length === 0 ? {} : { rssMaxSampledBytes: Math.max(...rssSamples) }),
    };
    const c = tally.counts;
    result.verdicts = {
      'no request lost': c.failed.lost === 0,
      'no answer mismatched': c.failed.mismatch === 0,
      'no request failed': tally.failedTotal === 0 && c.dropped === 0,
      'p99 under 10 ms': result.latency.p99Us < P99_BOUND_US,
      'RSS after warm-up grew < 5%': growth < RSS_GROWTH_LIMIT,
      'no closed session left behind': end.sessions === users.sessions.length,
    };
    await Promise.all(users.sessions.map((s) => s.close().catch(() => undefined)));
    return result;
  } finally {
    await churnPools.close();
    await factory.close();
    await server.stop();
  }
}
