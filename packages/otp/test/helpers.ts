import {
  awaitExit,
  GenServer,
  noreply,
  ok,
  reply,
  stop,
  type ExitReason,
  type Pid,
  Node,
  type ProcessContext,
} from '@erlmcp/otp';

/** A node with logging silenced; stopped by the returned function. */
export function startNode(): Node {
  return Node.start({ logLevel: 'silent' });
}

/** Resolves after the event loop has turned once: lets microtask-driven work settle. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export type WorkerCommand = { crash: string } | { exit: ExitReason } | 'ping' | 'state';

/**
 * A worker that records its life in `log` and can be told to crash or stop
 * with a given reason. `trap` makes it trap exits so terminate runs on shutdown.
 */
export function recordingWorker(log: string[]) {
  return GenServer.define({
    init: ({ id, trap }: { id: string; trap?: boolean }, ctx: ProcessContext) => {
      if (trap === true) ctx.trapExit(true);
      log.push(`start:${id}`);
      return ok({ id });
    },
    handleCall: (req: WorkerCommand, _from, state: { id: string }) => {
      if (req === 'ping') return reply<{ id: string }, unknown>('pong', state);
      if (req === 'state') return reply<{ id: string }, unknown>(state, state);
      if (typeof req === 'object' && 'crash' in req) throw new Error(req.crash);
      return stop(req.exit, state);
    },
    handleCast: (req: WorkerCommand, state: { id: string }) => {
      if (typeof req === 'object' && 'crash' in req) throw new Error(req.crash);
      if (typeof req === 'object' && 'exit' in req) return stop(req.exit, state);
      return noreply(state);
    },
    terminate: (reason, state) => {
      log.push(`stop:${state.id}:${typeof reason === 'string' ? reason : 'crash'}`);
    },
  });
}

/** Makes `pid` end with `reason` by a cast, and waits until it has. */
export async function endWith(pid: Pid, reason: ExitReason | 'crash'): Promise<ExitReason> {
  const exited = awaitExit(pid);
  GenServer.cast(pid, reason === 'crash' ? { crash: 'boom' } : { exit: reason });
  return exited;
}
