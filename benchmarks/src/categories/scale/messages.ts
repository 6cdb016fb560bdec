/**
 * Messages/s across all schedulers: on each scheduler a producer casts to a sink on its own
 * scheduler (local sends) and to a sink on the other (cross-scheduler sends, through the
 * shared rings in batched frames); the figure is every message handled, over the time from
 * the first send to the last sink done. With one scheduler the same four processes all run
 * on scheduler 0: the scaling row's 1-scheduler side.
 *
 * The timed round follows an untimed one on the same node. A node's worker thread is new,
 * its code not yet compiled, and the harness's warm-up run (on a node of its own, stopped
 * since) warms only the main thread: without this, the row measured the worker's JIT.
 */
import os from 'node:os';
import { GenServer, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';
import { inProcess, onNode } from '../../harness/node';
import type { Measurement } from '../../harness/types';

const remote = require.resolve('./remote');
const sinkDef = GenServer.remote<never>(remote, 'sink');

/** One round of `size` casts per producer target: from the first send to the last sink done. */
async function round(
  ctx: ProcessContext,
  size: number,
  schedulers: 1 | 2,
): Promise<{ seconds: number; cpuUs: number }> {
  const on = (s: 0 | 1): number => (schedulers === 2 ? s : 0);
  const startSink = async (scheduler: number): Promise<Pid> =>
    (await GenServer.start(sinkDef, { notify: ctx.self, expected: size } as never, { scheduler })) as Pid;
  // local0/local1 receive from the producer on their own scheduler; cross0/cross1 from the other.
  const [local0, local1, cross0, cross1] = await Promise.all([
    startSink(on(0)),
    startSink(on(1)),
    startSink(on(0)),
    startSink(on(1)),
  ]);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  spawn({ module: remote, export: 'producer', args: [[local0, cross1], size] }, { scheduler: on(0) });
  spawn({ module: remote, export: 'producer', args: [[local1, cross0], size] }, { scheduler: on(1) });
  for (let i = 0; i < 4; i++) await ctx.receive((m) => m === 'sink_done', 600_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all([local0, local1, cross0, cross1].map((pid) => GenServer.stop(pid)));
  return { seconds, cpuUs: cpu.user + cpu.system };
}

/** `size` messages per producer target: 4 × size messages in all. */
export function messageThroughput(size: number, schedulers: 1 | 2): Promise<Measurement> {
  return onNode(schedulers, () =>
    inProcess(async (ctx) => {
      const warmUp = size;
      const first = await round(ctx, warmUp, schedulers);
      (globalThis as { gc?: () => void }).gc?.();
      const load = os.loadavg()[0]!;
      const { seconds, cpuUs } = await round(ctx, size, schedulers);
      const total = 4 * size;
      return {
        value: total / seconds,
        ms: seconds * 1000,
        detail: {
          messages: total,
          schedulers,
          perScheduler: total / seconds / schedulers,
          // Every thread's CPU time over the run: less swayed than the rate by other work on the cores.
          cpuNsPerMessage: (cpuUs * 1000) / total,
          coresBusy: cpuUs / 1e6 / seconds,
          // The untimed round on the node's fresh threads (a tenth of the messages), for comparison.
          warmUpRate: (4 * warmUp) / first.seconds,
          loadAverage1m: Math.max(load, os.loadavg()[0]!),
        },
      };
    }),
  );
}
