import { GenServer, type Pid } from '@erlmcp/otp';
import { quantile } from '../../harness/stats';
import { inProcess, onNode } from '../../harness/node';
import type { Measurement } from '../../harness/types';

const remote = require.resolve('./remote');
const sink = GenServer.remote<never>(remote, 'sink');
const echo = GenServer.remote<never>(remote, 'echo');
const cruncher = GenServer.remote<never>(remote, 'cruncher');

export function crossCast(size: number): Promise<Measurement> {
  return onNode(2, () =>
    inProcess(async (ctx) => {
      const pid = (await GenServer.start(sink, { notify: ctx.self, expected: size } as never, { scheduler: 1 })) as Pid;
      const start = performance.now();
      for (let i = 0; i < size; i++) GenServer.cast(pid, i as never);
      await ctx.receive((m) => m === 'done');
      return { value: size / ((performance.now() - start) / 1000) };
    }),
  );
}

export function crossCall(size: number): Promise<Measurement> {
  return onNode(2, () =>
    inProcess(async () => {
      const pid = (await GenServer.start(echo, undefined as never, { scheduler: 1 })) as Pid;
      const latencies = new Float64Array(size);
      const start = performance.now();
      for (let i = 0; i < size; i++) {
        const t = performance.now();
        await GenServer.call(pid, i as never);
        latencies[i] = (performance.now() - t) * 1000;
      }
      const value = size / ((performance.now() - start) / 1000);
      return { value, p50Us: quantile(latencies, 0.5), p99Us: quantile(latencies, 0.99) };
    }),
  );
}

/**
 * CPU work (~1 ms a call) for two crunchers, each kept busy by 8 concurrent
 * callers; with `schedulers` 2 the crunchers run on different threads, with 1
 * both run on the main thread. Work units per second.
 */
export function parallelWork(size: number, schedulers: 1 | 2): Promise<Measurement> {
  return onNode(2, async () => {
    const servers = (await Promise.all([
      GenServer.start(cruncher, undefined as never, { scheduler: 0 }),
      GenServer.start(cruncher, undefined as never, { scheduler: schedulers === 2 ? 1 : 0 }),
    ])) as Pid[];
    const callers = 8;
    const each = Math.max(1, Math.ceil(size / (servers.length * callers)));
    const start = performance.now();
    await Promise.all(
      servers.flatMap((pid) =>
        Array.from({ length: callers }, async () => {
          for (let i = 0; i < each; i++) await GenServer.call(pid, 200_000 as never, 60_000);
        }),
      ),
    );
    return { value: (each * callers * servers.length) / ((performance.now() - start) / 1000) };
  });
}
