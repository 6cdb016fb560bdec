/**
 * The server's capacity under the load generator: its saturation throughput (closed loop,
 * every user one request in flight), the open-loop rates at which p99 stays under a bound,
 * and the highest open-loop rate that was sustained (every arrival sent on schedule and
 * answered, the answers keeping pace). The soak and the pinned p99 row run at 80% of the
 * sustained rate; p99_at_load at 80% of the saturation rate, as it always has.
 */
import type { Operation } from './args';
import { runEngine } from './engine';
import { keptSchedule, type ScheduleSummary } from './schedule-lag';
import type { VuSession } from './session';
import { Tally } from './tally';

export interface RateStep {
  rate: number;
  /** Answers/s achieved (the drain of the last requests in flight included). */
  achieved: number;
  p99Us: number;
  failed: number;
  /** How late the generator sent against its schedule. */
  schedule: ScheduleSummary;
  /** Sustained: see `stepHeld`. */
  held: boolean;
}

/** A step whose answers fell further behind than this share of its arrivals was not sustained. */
export const HELD_FRACTION = 0.95;

/**
 * A rate is sustained when nothing failed or went unsent, the generator kept its schedule
 * (so the step measured the server, not the generator's backlog), and the answers kept pace
 * with the arrivals (a queue building in the server stretches the step's drain and lowers
 * the achieved rate).
 */
export function stepHeld(step: Pick<RateStep, 'rate' | 'achieved' | 'failed' | 'schedule'>): boolean {
  return step.failed === 0 && keptSchedule(step.schedule) && step.achieved >= HELD_FRACTION * step.rate;
}

export interface Capacity {
  /** Closed-loop answers/s with every session sending back to back. */
  saturation: number;
  steps: RateStep[];
  /** The highest open-loop rate whose p99 stayed under the bound with no failure (0 if none). */
  maxRateUnderBound: number;
  /**
   * The highest open-loop rate sustained (`stepHeld`) with every lower step sustained too (0
   * if the first was not): a step that holds above one that failed was a lucky window, not a
   * rate the server and generator keep.
   */
  maxSustainable: number;
}

export const P99_BOUND_US = 10_000;
/** Open-loop steps, as fractions of the saturation rate (tenths from 0.2: the soak runs at 80% of the top held step, so a coarse ladder would cost it up to a fifth of its rate). */
export const STEP_FRACTIONS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

export async function saturationRate(
  sessions: readonly VuSession[],
  operations: readonly Operation[],
  durationMs: number,
): Promise<{ rate: number; tally: Tally }> {
  const tally = new Tally();
  const { elapsedMs } = await runEngine({
    sessions,
    operations,
    durationMs,
    rate: undefined,
    timeoutMs: 10_000,
    tally,
  });
  if (tally.failedTotal > 0) throw new Error(`saturation probe: ${tally.failedTotal} failed (${tally.samples[0]})`);
  return { rate: tally.counts.ok / (elapsedMs / 1000), tally };
}

/** One open-loop step at `rate` requests/s. */
export async function rateStep(
  sessions: readonly VuSession[],
  operations: readonly Operation[],
  rate: number,
  durationMs: number,
): Promise<RateStep & { tally: Tally }> {
  const tally = new Tally();
  const { elapsedMs } = await runEngine({ sessions, operations, durationMs, rate, timeoutMs: 10_000, tally });
  const step = {
    rate,
    achieved: tally.counts.ok / (elapsedMs / 1000),
    p99Us: tally.latency.percentile(99),
    failed: tally.failedTotal + tally.counts.dropped,
    schedule: tally.schedule.summary(),
  };
  return { ...step, held: stepHeld(step), tally };
}

export async function measureCapacity(
  sessions: readonly VuSession[],
  operations: readonly Operation[],
  stepMs: number,
  onStep?: (step: RateStep) => void | Promise<void>,
  /** Awaited before each open-loop step (p99_at_load resets its loop monitors there). */
  beforeStep?: () => Promise<void>,
): Promise<Capacity> {
  // Warm the server's JIT first, then the probe that counts.
  await saturationRate(sessions, operations, Math.min(stepMs, 2_000));
  const { rate: saturation } = await saturationRate(sessions, operations, stepMs);
  const steps: RateStep[] = [];
  let maxRateUnderBound = 0;
  for (const fraction of STEP_FRACTIONS) {
    const rate = Math.max(1, Math.round(saturation * fraction));
    await beforeStep?.();
    const { tally: _t, ...step } = await rateStep(sessions, operations, rate, stepMs);
    steps.push(step);
    await onStep?.(step);
    if (step.p99Us < P99_BOUND_US && step.failed === 0) maxRateUnderBound = Math.max(maxRateUnderBound, rate);
  }
  return { saturation, steps, maxRateUnderBound, maxSustainable: maxSustainableRate(steps) };
}

/** The highest step rate with it and every lower step held (0 if the lowest did not hold). */
export function maxSustainableRate(steps: readonly Pick<RateStep, 'rate' | 'held'>[]): number {
  let max = 0;
  for (const step of [...steps].sort((a, b) => a.rate - b.rate)) {
    if (!step.held) break;
    max = step.rate;
  }
  return max;
}

/**
 * The rate a latency figure is taken at: `fraction` of the highest sustained rate; when no
 * step was sustained (a machine too busy for the generator to keep any schedule), of the
 * lowest step, and `sustained` says so.
 */
export function rateAtLoad(capacity: Capacity, fraction: number): { rate: number; sustained: boolean } {
  const base = capacity.maxSustainable > 0 ? capacity.maxSustainable : Math.min(...capacity.steps.map((s) => s.rate));
  return { rate: Math.max(1, Math.round(base * fraction)), sustained: capacity.maxSustainable > 0 };
}
