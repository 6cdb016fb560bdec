import { quantile } from '../../harness/stats';

/** What {@link driveForwarded} measured: requests/s, latency quantiles, the share forwarded to another node. */
export interface DriveResult {
  perSecond: number;
  p50Us: number;
  p99Us: number;
  forwardedShare: number;
}

/**
 * Runs `one(i)` for i in 0..size-1, `inFlight` at a time, after an untimed warm-up of up to 200
 * in sequence (JIT, keep-alive sockets, the forwarders' monitors on every node and path).
 * `one` answers whether request i was forwarded to another node than the one it reached.
 */
export async function driveForwarded(
  size: number,
  inFlight: number,
  one: (i: number) => Promise<boolean>,
): Promise<DriveResult> {
  for (let i = 0; i < Math.min(size, 200); i++) await one(i);
  const latencies = new Float64Array(size);
  let forwarded = 0;
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, size) }, async () => {
      while (issued < size) {
        const i = issued++;
        const began = performance.now();
        if (await one(i)) forwarded++;
        latencies[i] = (performance.now() - began) * 1000;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    perSecond: size / seconds,
    p50Us: quantile(latencies, 0.5),
    p99Us: quantile(latencies, 0.99),
    forwardedShare: forwarded / size,
  };
}
