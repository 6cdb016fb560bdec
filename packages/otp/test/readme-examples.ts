/**
 * The otp README's code examples, kept here so they compile (`npm test` type-checks
 * this file) and run (readme-examples.test.ts). Change them together.
 */
import { GenServer, Supervisor, ok, spawn, type Pid } from '@erlmcp/otp';

const workerDef = GenServer.define({ init: (config: { size: number }) => ok(config) });

// README, "Processes": a linked start after an await names its parent.
export function startAfterAwait(loadConfig: () => Promise<{ size: number }>, started: (pids: Pid[]) => void): Pid {
  return spawn(async (ctx) => {
    const config = await loadConfig();
    const worker = await GenServer.startLink(workerDef, config, { parent: ctx });
    const sup = await Supervisor.startLink({ children: [] }, { parent: ctx });
    started([worker, sup]);
    await ctx.receive();
  });
}
