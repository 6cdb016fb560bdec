import * as hdr from 'hdr-histogram-js';

/** What stats() reports; every figure is counted or measured, none derived from a formula. */
export interface PoolStats {
  /** Connections open or opening (never above max). */
  size: number;
  idle: number;
  inUse: number;
  /** Connects in flight. */
  connecting: number;
  waiters: number;
  created: number;
  destroyed: number;
  failedConnects: number;
  healthCheckFailures: number;
  acquires: number;
  acquireTimeouts: number;
  /** Acquire latency percentiles in microseconds (see the README for what is sampled). */
  acquireLatencyUs: { p50: number; p99: number; samples: number };
}

/** Acquire latency in microseconds, 1 µs to 10 min, two significant digits. */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 2,
  });
}
