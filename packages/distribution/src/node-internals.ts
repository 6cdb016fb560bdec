import type { ExitReason, Logger, Node, Pid, ProcessContext } from '@erlmcp/otp';

/** A process as the bridge holds it: its pid, and whether it still runs. */
export interface LocalProcess {
  readonly self: Pid;
  readonly alive: boolean;
}

/**
 * The members of a Node that @erlmcp/otp keeps out of its published declarations (they are
 * `@internal` there) but that exist at run time, which the bridge between a node's scheduler
 * threads needs: it runs on a given node (a thread may hold several), never on whatever node
 * the module-level functions would pick.
 */
export interface NodeInternals {
  readonly id: number;
  readonly schedulerId: number;
  readonly logger: Logger;
  readonly dist: unknown;
  readonly peer: { readonly schedulers: number } | null;
  spawnFrom(parent: null, body: (ctx: ProcessContext) => Promise<void>, options?: { name?: string }): LocalProcess;
  send(to: Pid, message: unknown): void;
  exit(pid: Pid, reason: ExitReason): void;
  awaitExit(pid: Pid): Promise<ExitReason>;
  whereis(name: string): Pid | undefined;
}

export function internals(node: Node): NodeInternals {
  return node as unknown as NodeInternals;
}
