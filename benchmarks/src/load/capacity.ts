/**
 * The server's capacity under the load generator: its saturation throughput (closed loop,
 * every user one request in flight) and the open-loop rates at which p99 stays under a bound.
 * The soak runs at 80% of the saturation rate; the scale category's p99_at_load row reads both.
 */
import type { Operation } from './args';
import { runEngine } from './engine';
import type { VuSession } from './session';
import { Tally } from './tally';

export interface RateStep {
  rate: number;
  /** Answers/s achieved. */
  achieved: number;
  p99Us: number;
  failed: number;
}

export interface Capacity {
  /** Closed-loop answers/s with every session sending back to back. */
  saturation: number;
  steps: RateStep[];
  /** The highest open-loop rate whose p99 stayed under the bound with no failure (0 if none). */
  maxRateUnderBound: number;
}

export const P99_BOUND_US = 10_000;
/** Open-loop steps, as fractions of the saturation rate. */
export const STEP_FRACTIONS = [0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0];

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
  return {
    rate,
    achieved: tally.counts.ok / (elapsedMs / 1000),
    p99Us: tally.latency.percentile(99),
    failed: tally.failedTotal + tally.counts.dropped,
    tally,
  };
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
  return { saturation, steps, maxRateUnderBound };
}
