import { connect } from '@nats-io/transport-node';
import { percentiles, quantile, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';
import { startPair, type Pair } from './pair';

/** Bare NATS between the same two processes: no runtime, the transport alone. */
async function withPair(fn: (pair: Pair) => Promise<Measurement>): Promise<Measurement> {
  const pair = await startPair();
  try {
    return await fn(pair);
  } finally {
    await pair.stop();
  }
}

/** A small payload, about what a call record carries (an int request). */
function payload(i: number): Uint8Array {
  const bytes = new Uint8Array(5);
  new DataView(bytes.buffer).setInt32(1, i, true);
  return bytes;
}

/** nc.request round trips, one at a time, answered by msg.respond in the other process. */
export function crossNodeCall(size: number): Promise<Measurement> {
  return withPair(async (pair) => {
    const nc = await connect({ servers: pair.url });
    try {
      const subject = `${pair.cluster}.bare.echo`;
      for (let i = 0; i < Math.min(500, size); i++) await nc.request(subject, payload(i), { timeout: 30_000 });
      const latencies = new Float64Array(size);
      const value = await ratePerSecond(size, async () => {
        for (let i = 0; i < size; i++) {
          const start = performance.now();
          await nc.request(subject, payload(i), { timeout: 30_000 });
          latencies[i] = (performance.now() - start) * 1000;
        }
      });
      return {
        value,
        p50Us: quantile(latencies, 0.5),
        p99Us: quantile(latencies, 0.99),
        percentilesUs: percentiles(latencies),
      };
    } finally {
      await nc.close();
    }
  });
}

/** nc.publish of every message, until the other process has counted them all. */
export function crossNodeCast(size: number): Promise<Measurement> {
  return withPair(async (pair) => {
    const nc = await connect({ servers: pair.url });
    try {
      await nc.request(`${pair.cluster}.bare.expect`, new TextEncoder().encode(String(size)), { timeout: 30_000 });
      let finished!: () => void;
      const done = new Promise<void>((resolve) => (finished = resolve));
      nc.subscribe(`${pair.cluster}.bare.done`, { callback: () => finished() });
      await nc.flush();
      const subject = `${pair.cluster}.bare.sink`;
      const value = await ratePerSecond(size, async () => {
        for (let i = 0; i < size; i++) nc.publish(subject, payload(i));
        await done;
      });
      return { value };
    } finally {
      await nc.close();
    }
  });
}
