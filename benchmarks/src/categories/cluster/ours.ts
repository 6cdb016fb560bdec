import { GenServer, Pid } from '@erlmcp/otp';
import { DistNode } from '@erlmcp/distribution';
import { inProcess } from '../../harness/node';
import { percentiles, quantile, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';
import { startPair, type Pair } from './pair';

async function withNodes(fn: (pair: Pair, echo: Pid) => Promise<Measurement>): Promise<Measurement> {
  const pair = await startPair();
  try {
    const dist = await DistNode.start({
      servers: pair.url,
      name: 'bench-a',
      cluster: pair.cluster,
      global: false,
      node: { logLevel: 'silent' },
    });
    try {
      await dist.waitForNodes(['bench-b'], 60_000);
      return await fn(pair, new Pid(pair.nodeId, pair.echoId));
    } finally {
      await dist.stop();
    }
  } finally {
    await pair.stop();
  }
}

/** GenServer.call round trips, one at a time, to a server on the other node. */
export function crossNodeCall(size: number): Promise<Measurement> {
  return withNodes(async (_pair, echo) => {
    for (let i = 0; i < Math.min(500, size); i++) await GenServer.call(echo, i, 30_000);
    const latencies = new Float64Array(size);
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) {
        const start = performance.now();
        await GenServer.call(echo, i, 30_000);
        latencies[i] = (performance.now() - start) * 1000;
      }
    });
    return {
      value,
      p50Us: quantile(latencies, 0.5),
      p99Us: quantile(latencies, 0.99),
      percentilesUs: percentiles(latencies),
    };
  });
}

/** GenServer.cast to a server on the other node, until it has counted every one. */
export function crossNodeCast(size: number): Promise<Measurement> {
  return withNodes((_pair, echo) =>
    inProcess(async (ctx) => {
      await GenServer.call(echo, { expect: size, notify: ctx.self }, 30_000);
      const value = await ratePerSecond(size, async () => {
        for (let i = 0; i < size; i++) GenServer.cast(echo, i);
        await ctx.receive((m) => m === 'done');
      });
      return { value };
    }),
  );
}
