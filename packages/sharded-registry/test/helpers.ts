import { GenServer, noreply, ok, reply, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';
import type { Name, ShardedRegistry } from '@erlmcp/sharded-registry';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (no fixed delay to tune: jest's timeout is the only bound). */
export async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await sleep(2);
}

type HolderCall = { unregister: Name } | { register: Name; meta?: unknown };

/** A process that registers and unregisters names as itself (currentPid is set in handleCall's synchronous part). */
export function holderDef(registry: ShardedRegistry) {
  return GenServer.define({
    init: () => ok(null),
    handleCall: async (req: HolderCall, _from, s: null, ctx: ProcessContext) => {
      try {
        if ('unregister' in req) await registry.unregisterName(req.unregister);
        else await registry.registerName(req.register, ctx.self, req.meta);
        return reply('ok' as string, s);
      } catch (error) {
        return reply((error as { code?: string }).code ?? String(error), s);
      }
    },
    handleCast: (_m: 'noop', s: null) => noreply(s),
  });
}

export { collector } from '../../../test-support/collector';

export const has = (key: string) => (m: unknown) => typeof m === 'object' && m !== null && key in m;

/** A process that waits forever: a holder for names. */
export function idle(): Pid {
  return spawn(async (ctx) => {
    await ctx.receive((m) => m === 'never');
  });
}
