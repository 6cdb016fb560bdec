import v8 from 'node:v8';
import vm from 'node:vm';
import { slowSeconds, traceFigures, type SoakTrace } from '../../src/load/soak-trace';
import { StallTrace, type TraceLog } from '../../src/load/stall-trace';

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
