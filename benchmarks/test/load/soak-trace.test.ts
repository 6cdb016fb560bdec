import v8 from 'node:v8';
import vm from 'node:vm';
import { runEngine } from '../../src/load/engine';
import { echoText, type OutgoingRequest } from '../../src/load/protocol';
import type { VuSession } from '../../src/load/session';
import { slowSeconds, traceFigures, type SoakTrace } from '../../src/load/soak-trace';
import { StallTrace, type TraceLog } from '../../src/load/stall-trace';
import { Tally } from '../../src/load/tally';

/** Answers each tools/call right after a macrotask; logs when each request was sent and how many are outstanding. */
class LoggingSession implements VuSession {
  readonly sentAt: number[] = [];
  outstanding = 0;
  constructor(readonly vu: number) {}
  open(): Promise<void> {
    return Promise.resolve();
  }
  send(request: OutgoingRequest): Promise<unknown> {
    this.sentAt.push(performance.now());
    this.outstanding += 1;
    const text = echoText(this.vu, request.id);
    return new Promise((resolve) =>
      setImmediate(() => {
        this.outstanding -= 1;
        resolve({ jsonrpc: '2.0', id: request.id, result: { content: [{ type: 'text', text }] } });
      }),
    );
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('runEngine pauses', () => {
  it('runs a pause job with nothing in flight, sends nothing during it, and shifts the schedule past it', async () => {
    const session = new LoggingSession(1);
    const tally = new Tally();
    const jobs: Array<{ from: number; to: number; outstandingAtStart: number; ticksDuring: number }> = [];
    let seconds = 0;
    const run = await runEngine({
      sessions: [session],
      operations: ['call'],
      durationMs: 2_500,
      rate: 40,
      timeoutMs: 30_000,
      tally,
      onSecond: () => (seconds += 1),
      pauseFor: (second) =>
        second === 1
          ? async () => {
              const from = performance.now();
              const outstandingAtStart = session.outstanding;
              const secondsAtStart = seconds;
              await new Promise((resolve) => setTimeout(resolve, 1_300));
              jobs.push({ from, to: performance.now(), outstandingAtStart, ticksDuring: seconds - secondsAtStart });
            }
          : undefined,
    });
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.outstandingAtStart).toBe(0);
    // No request left while the job ran, and no second ticked in it.
    expect(session.sentAt.filter((t) => t >= job.from && t <= job.to)).toEqual([]);
    expect(job.ticksDuring).toBe(0);
    expect(run.pauses).toBe(1);
    expect(run.pausedMs).toBeGreaterThanOrEqual(1_299);
    // Nothing dropped or failed: every arrival due was sent and answered right.
    expect(tally.counts.dropped).toBe(0);
    expect(tally.failedTotal).toBe(0);
    expect(tally.schedule.summary().due).toBe(tally.counts.sent);
    expect(tally.counts.ok).toBe(tally.counts.sent);
    // The schedule holds 2.5 s of arrivals at 40/s whatever the pause took: at most 101
    // (a schedule not shifted would have put ~52 arrivals in the pause, sent at once at its end).
    expect(tally.counts.sent).toBeLessThanOrEqual(101);
    expect(session.sentAt.filter((t) => t > job.to && t < job.to + 20).length).toBeLessThan(20);
  });
});

describe('StallTrace', () => {
  it('logs a blocked loop, a forced full GC with its kind, and a marked piece of work', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const trace = new StallTrace(20, 0);
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const before = Date.now();
      // Block for 80 ms of wall time and of CPU time (a loaded machine stretches the wall only).
      const until = performance.now() + 80;
      const cpu0 = process.cpuUsage();
      const cpuMs = (): number => (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000;
      while (performance.now() < until || cpuMs() < 80);
      await new Promise((resolve) => setTimeout(resolve, 30));
      const marked = trace.mark('full GC', () => {
        gc();
        return 7;
      });
      expect(marked).toBe(7);
      // GC entries reach the observer asynchronously.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const log = trace.take();
      const stall = log.stalls.find((s) => s.ms >= 60);
      expect(stall).toBeDefined();
      expect(stall!.at).toBeGreaterThanOrEqual(before - 10);
      expect(log.marks).toEqual([expect.objectContaining({ name: 'full GC' })]);
      const forced = log.gcs.filter((g) => g.forced);
      expect(forced.length).toBeGreaterThan(0);
      expect(forced.every((g) => g.kind === 'major')).toBe(true);
      expect(log.gcByKind.major!.count).toBeGreaterThanOrEqual(forced.length);
    } finally {
      trace.stop();
    }
  });
});

describe('slowSeconds', () => {
  const empty = (): TraceLog => ({ stalls: [], gcs: [], gcByKind: {}, marks: [] });

  it("lays each slow second beside both processes' logs in it and the second before", () => {
    const t0 = 1_000_000;
    const ends = [t0, t0 + 1000, t0 + 2000, t0 + 3000, t0 + 4000];
    const server = empty();
    server.stalls.push({ at: t0 + 2500, ms: 120 });
    server.gcs.push({ at: t0 + 2500, ms: 40, kind: 'major', forced: true });
    server.marks.push({ at: t0 + 2500, ms: 120, name: 'memory sample, full GCs' });
    const generator = empty();
    generator.stalls.push({ at: t0 + 500, ms: 30 });
    const timeline = [
      { second: 1, answered: 10, p99Us: 50_000 },
      { second: 2, answered: 10, p99Us: 1_000 },
      { second: 3, answered: 10, p99Us: 200_000 },
      { second: 4, answered: 10, p99Us: 30_000 },
    ];
    const slow = slowSeconds(timeline, ends, server, generator, [t0 + 3500], 10_000);
    expect(slow.map((s) => s.second)).toEqual([1, 3, 4]);
    expect(slow[0]).toMatchObject({ generatorStallMs: 30, serverStallMs: 0, serverMarks: '' });
    expect(slow[1]).toMatchObject({ serverStallMs: 120, serverGc: 'major (forced) 40', generatorStallMs: 0 });
    expect(slow[1]!.serverMarks).toContain('memory sample');
    // Second 4 still sees second 3's stall (its backlog drains into it) and the churn close in it.
    expect(slow[2]).toMatchObject({ serverStallMs: 120, churnClosed: 1 });
    const trace: SoakTrace = { startedAt: t0, server, generator, churnClosedAt: [t0 + 3500], slowSeconds: slow };
    expect(traceFigures(trace)).toMatchObject({
      serverStalls: 1,
      serverStallMaxMs: 120,
      generatorStalls: 1,
      serverMemorySamples: 1,
      slowSeconds: 3,
      slowSecondsWithServerStall: 2,
      slowSecondsWithGeneratorStall: 1,
      slowSecondsWithMemorySample: 2,
    });
  });
});
