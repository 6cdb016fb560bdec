/**
 * Latency histograms: HdrHistogram (hdr-histogram-js), in microseconds, 3 significant digits,
 * from 1 µs to 10 minutes, so p99.9 of a long run costs no memory per sample.
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  meanUs: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** Percentiles the HTML report plots, from the median to the maximum. */
export const PLOTTED_PERCENTILES = [50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100];

const HIGHEST_US = 600_000_000;

export class LatencyHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Records one latency; values past the range are clamped to it (a lost request is counted elsewhere). */
  record(us: number): void {
    this.h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(us))));
  }

  add(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  get count(): number {
    return this.h.totalCount;
  }

  reset(): void {
    this.h.reset();
  }

  /** The value at percentile `p`; never above the largest recorded (HdrHistogram rounds to its bucket's top). */
  percentile(p: number): number {
    return this.h.totalCount === 0 ? 0 : Math.min(this.h.getValueAtPercentile(p), this.h.maxValue);
  }

  summary(): LatencySummary {
    return {
      count: this.h.totalCount,
      meanUs: this.h.totalCount === 0 ? 0 : this.h.mean,
      p50Us: this.percentile(50),
      p95Us: this.percentile(95),
      p99Us: this.percentile(99),
      p999Us: this.percentile(99.9),
      maxUs: this.h.totalCount === 0 ? 0 : this.h.maxValue,
    };
  }

  /** [percentile, µs] pairs for the report's chart. */
  distribution(): Array<[number, number]> {
    return PLOTTED_PERCENTILES.map((p) => [p, this.percentile(p)]);
  }
}
