/**
 * A tile worker: one process per scheduler of the pool, started there by the
 * package supervisor. It instantiates the kernel on its thread over the
 * shared memory (Q, K, V and O are read and written in place: no copy
 * between threads) and runs the few tasks of one message (at most
 * MAX_TASKS_PER_MESSAGE tiles, a few milliseconds), so the other processes of
 * its scheduler get their turn between messages. It reports each message's
 * tasks to the AttentionServer, which hands out the next.
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

/** Run `tasks` of `run`, in order, with this scheduler's scratch region for the job's head size. */
export type TileWorkerCast = { run: Job; tasks: number[]; scratch: number };

/** What a worker tells the server. */
export type WorkerReport =
  | { hello: number; pid: Pid; kernel: KernelName }
  | { done: number; tasks: number[]; scheduler: number; ms: number; flops: number };

export const tileWorker = GenServer.define({
  name: 'flash_attention_tile_worker',
  init: (args: TileWorkerArgs, ctx: ProcessContext) => {
    const kernel = loadKernel(args.memory, args.kernel);
    GenServer.cast(args.server, { hello: args.scheduler, pid: ctx.self, kernel: kernel.name } satisfies WorkerReport);
    return ok<State>({ kernel, scheduler: args.scheduler, server: args.server });
  },
  handleCast: (message: TileWorkerCast, state: State) => {
    const started = performance.now();
    let flops = 0;
    for (const task of message.tasks) flops += runTask(state.kernel, message.run, task, message.scratch);
    const report: WorkerReport = {
      done: message.run.id,
      tasks: message.tasks,
      scheduler: state.scheduler,
      ms: performance.now() - started,
      flops,
    };
    GenServer.cast(state.server, report);
    return noreply(state);
  },
});
