import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { affinityOf, expandCpuList, findTaskset, pinningPlan, pinProcess } from '../../src/load/affinity';
import { maxSustainableRate, stepHeld } from '../../src/load/capacity';
import { runEngine } from '../../src/load/engine';
import { echoText, type OutgoingRequest } from '../../src/load/protocol';
import { keptSchedule, LAG_BOUND_US, ScheduleLag } from '../../src/load/schedule-lag';
import type { VuSession } from '../../src/load/session';
import { Tally } from '../../src/load/tally';

/** A session answering every tools/call right at once; the first `blockMs` of its first send block the loop. */
class EchoSession implements VuSession {
  private blocked = false;
  constructor(
    readonly vu: number,
    private readonly blockMs = 0,
  ) {}
  open(): Promise<void> {
    return Promise.resolve();
  }
  send(request: OutgoingRequest): Promise<unknown> {
    if (!this.blocked && this.blockMs > 0) {
      this.blocked = true;
      const until = performance.now() + this.blockMs;
      while (performance.now() < until); // the generator's loop stalls: arrivals fall due meanwhile
    }
    const text = echoText(this.vu, request.id);
    return Promise.resolve({ jsonrpc: '2.0', id: request.id, result: { content: [{ type: 'text', text }] } });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('ScheduleLag', () => {
  it('counts late sends, unsent arrivals and the largest backlog', () => {
    const lag = new ScheduleLag();
    lag.backlog(3);
    lag.backlog(1);
    lag.sent(100);
    lag.sent(LAG_BOUND_US + 1);
    lag.dropped();
    const s = lag.summary();
    expect(s).toMatchObject({ due: 3, sentLate: 1, notSent: 1, maxBehind: 3 });
    expect(s.lagMaxUs).toBeGreaterThanOrEqual(LAG_BOUND_US);
    expect(keptSchedule(s)).toBe(false); // an arrival not sent
  });

  it('keeps the schedule exactly when every arrival was sent and p99 of the lag is within the bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 300 }),
        fc.nat({ max: 3 }),
        (lags, drops) => {
          const lag = new ScheduleLag();
          for (const us of lags) lag.sent(us);
          for (let i = 0; i < drops; i++) lag.dropped();
          const s = lag.summary();
          expect(s.sentLate).toBe(lags.filter((us) => Math.max(1, us) > LAG_BOUND_US).length);
          expect(s.due).toBe(lags.length + drops);
          // HdrHistogram keeps 3 significant digits and rounds its rank: judge only clear cases.
          const over = lags.filter((us) => us > LAG_BOUND_US * 1.01).length;
          const near = lags.filter((us) => us > LAG_BOUND_US * 0.99).length;
          if (drops > 0) expect(keptSchedule(s)).toBe(false);
          else if (near === 0) expect(keptSchedule(s)).toBe(true);
          else if (over > 0.01 * lags.length + 1) expect(keptSchedule(s)).toBe(false);
        },
      ),
    );
  });

  it('a step with the generator behind is not sustained, however fast the answers', () => {
    const base = { rate: 1000, achieved: 1000, failed: 0 };
    const onTime = { due: 10, lagP50Us: 500, lagP99Us: 900, lagMaxUs: 900, sentLate: 0, maxBehind: 2, notSent: 0 };
    expect(stepHeld({ ...base, schedule: onTime })).toBe(true);
    expect(stepHeld({ ...base, schedule: { ...onTime, lagP99Us: 30_000, sentLate: 5 } })).toBe(false);
    expect(stepHeld({ ...base, schedule: { ...onTime, notSent: 1 } })).toBe(false);
    expect(stepHeld({ ...base, achieved: 800, schedule: onTime })).toBe(false); // answers fell behind
    expect(stepHeld({ ...base, failed: 1, schedule: onTime })).toBe(false);
  });

  it('the maximum sustainable rate is the top of the held steps from the lowest up: a step holding above a failed one does not count', () => {
    const steps = (held: boolean[]) => held.map((h, i) => ({ rate: (i + 1) * 1000, held: h }));
    expect(maxSustainableRate(steps([true, true, false, true]))).toBe(2000);
    expect(maxSustainableRate(steps([false, true, true]))).toBe(0);
    expect(maxSustainableRate(steps([true, true, true]))).toBe(3000);
    expect(maxSustainableRate([])).toBe(0);
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 10 }), (held) => {
        const max = maxSustainableRate(steps(held).reverse()); // order given does not matter
        const prefix = held.findIndex((h) => !h);
        expect(max).toBe((prefix === -1 ? held.length : prefix) * 1000);
      }),
    );
  });
});

describe('the open-loop engine', () => {
  it('records how late each arrival left when its own loop stalls, and times answers from the schedule', async () => {
    const tally = new Tally();
    // 200/s for 400 ms: the first send blocks the loop 80 ms, so ~16 arrivals fall due meanwhile.
    await runEngine({
      sessions: [new EchoSession(1, 80), new EchoSession(2)],
      operations: ['call'],
      durationMs: 400,
      rate: 200,
      timeoutMs: 10_000,
      tally,
    });
    const s = tally.schedule.summary();
    expect(tally.failedTotal).toBe(0);
    expect(s.due).toBe(tally.counts.sent);
    expect(s.lagMaxUs).toBeGreaterThanOrEqual(60_000);
    expect(s.sentLate).toBeGreaterThanOrEqual(1);
    expect(s.maxBehind).toBeGreaterThanOrEqual(2);
    expect(keptSchedule(s)).toBe(false);
    // Latency counts from the scheduled time: the answers sent late carry the stall.
    expect(tally.latency.summary().maxUs).toBeGreaterThanOrEqual(60_000);
  });

  it('sends the first arrival at once, not one interval late', async () => {
    const tally = new Tally();
    // 2/s for 100 ms: only arrival 0 (due at the start) falls in the run.
    await runEngine({
      sessions: [new EchoSession(1)],
      operations: ['call'],
      durationMs: 100,
      rate: 2,
      timeoutMs: 10_000,
      tally,
    });
    expect(tally.counts.sent).toBe(1);
    expect(tally.counts.ok).toBe(1);
  });

  it('counts arrivals past the in-flight limit as not sent, and the closed loop as on no schedule', async () => {
    const never: VuSession = {
      vu: 1,
      open: () => Promise.resolve(),
      send: () => new Promise(() => undefined),
      close: () => Promise.resolve(),
    };
    const tally = new Tally();
    await runEngine({
      sessions: [never],
      operations: ['call'],
      durationMs: 200,
      rate: 100,
      timeoutMs: 300,
      tally,
      maxInFlight: 2,
    });
    const s = tally.schedule.summary();
    expect(s.notSent).toBe(tally.counts.dropped);
    expect(s.notSent).toBeGreaterThan(0);
    expect(keptSchedule(s)).toBe(false);
    const closed = new Tally();
    await runEngine({
      sessions: [new EchoSession(1)],
      operations: ['call'],
      durationMs: 50,
      rate: undefined,
      timeoutMs: 1_000,
      tally: closed,
    });
    expect(closed.schedule.summary().due).toBe(0);
  });
});

describe('CPU pinning', () => {
  it('falls back to unpinned, with a reason, when taskset is missing', () => {
    const missing = findTaskset(['/nonexistent/taskset']);
    expect(missing).toBeNull();
    const result = pinProcess(process.pid, '0', missing);
    expect(result).toEqual({ pinned: false, reason: 'taskset not found' });
    expect(pinningPlan(missing)).toEqual({ reason: 'taskset not found' });
    expect(affinityOf(process.pid, missing)).toBeUndefined();
  });

  it('says there is nothing to separate on one CPU', () => {
    expect(pinningPlan('/usr/bin/taskset', 1)).toEqual({ reason: '1 CPU: nothing to separate' });
  });

  it('reports taskset failing (no such process) as unpinned, not an error', () => {
    const taskset = findTaskset();
    if (taskset === null) return; // covered by the fallback test
    const result = pinProcess(2 ** 22 + 12345, '0', taskset);
    expect(result.pinned).toBe(false);
  });

  it('reads CPU lists as taskset prints them', () => {
    expect(expandCpuList('0-2,5')).toEqual([0, 1, 2, 5]);
    expect(expandCpuList('1')).toEqual([1]);
    expect(expandCpuList('')).toEqual([]);
  });

  it('pins every thread of a child process to one CPU where taskset exists', async () => {
    const taskset = findTaskset();
    if (taskset === null) return; // nothing to pin with: the fallback test covers this machine
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 20_000)'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
      // The first CPU this process may use (not always CPU 0 in a container).
      const cpu = expandCpuList(affinityOf(process.pid, taskset) ?? '0')[0]!;
      expect(pinProcess(child.pid!, String(cpu), taskset)).toEqual({ pinned: true });
      expect(expandCpuList(affinityOf(child.pid!, taskset) ?? '')).toEqual([cpu]);
    } finally {
      child.kill();
    }
  });
});
