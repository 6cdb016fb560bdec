export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0..1) of latencies, nearest-rank. */
export function quantile(values: Float64Array | number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Runs `fn` and returns operations per second for `count` operations. */
export async function ratePerSecond(count: number, fn: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await fn();
  return count / ((performance.now() - start) / 1000);
}

/** Heap bytes used after a full collection (the benchmark runs with --expose-gc). */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc to measure memory');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The percentiles the report plots as a latency distribution (the labels autocannon's match). */
export const PERCENTILE_LABELS = ['10', '25', '50', '75', '90', '97.5', '99', '99.9', 'max'] as const;

/** `values`' distribution at PERCENTILE_LABELS, nearest-rank. */
export function percentiles(values: Float64Array | number[]): Record<string, number> {
  const sorted = Float64Array.from(values).sort();
  return Object.fromEntries(
    PERCENTILE_LABELS.map((label) => [
      label,
      label === 'max' ? sorted[sorted.length - 1]! : quantile(sorted, Number(label) / 100),
    ]),
  );
}
