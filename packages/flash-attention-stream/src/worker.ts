/**
 * A tile worker: one process per scheduler of the pool, started there by the
 * package supervisor. It instantiates the kernel on its thread over the
 * shared memory (Q, K, V and O are read and written in place: no copy
 * between threads) and runs one task per message, so the other processes of
 * its scheduler get their turn between tiles; a tile is a few milliseconds.
 * It reports each finished task to the AttentionServer, which hands out the
 * next.
 *
 * Worker threads load this file compiled (dist/worker.js), by module path
 * and export name.
 */
import { GenServer, noreply, ok, type Pid, type ProcessContext } from '@erlmcp/otp';
import { loadKernel } from './engine';
import { runTask, type Job } from './job';
import type { Kernel, KernelName } from './kernel';

export interface TileWorkerArgs {
  memory: WebAssembly.Memory;
  kernel: KernelName;
  scheduler: number;
  /** The AttentionServer's registered name, told of this worker when it starts. */
  server: string;
}

interface State {
  kernel: Kernel;
  scheduler: number;
  server: string;
}

/** Run `task` of `run`, with this scheduler's scratch region for the job's head size. */
export type TileWorkerCast = { run: Job; task: number; scratch: number };

/** What a worker tells the server. */
export type WorkerReport =
  | { hello: number; pid: Pid; kernel: KernelName }
  | { done: number; task: number; scheduler: number; ms: number; flops: number };

export const tileWorker = GenServer.define({
  name: 'flash_attention_tile_worker',
  init: (args: TileWorkerArgs, ctx: ProcessContext) => {
    const kernel = loadKernel(args.memory, args.kernel);
    GenServer.cast(args.server, { hello: args.scheduler, pid: ctx.self, kernel: kernel.name } satisfies WorkerReport);
    return ok<State>({ kernel, scheduler: args.scheduler, server: args.server });
  },
  handleCast: (message: TileWorkerCast, state: State) => {
    const started = performance.now();
    const flops = runTask(state.kernel, message.run, message.task, message.scratch);
    const report: WorkerReport = { done: message.run.id, task: message.task, scheduler: state.scheduler, ms: performance.now() - started, flops };
    GenServer.cast(state.server, report);
    return noreply(state);
  },
});
