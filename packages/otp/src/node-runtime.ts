import type { ProcessContext } from './context';
import type { Logger } from './logger';
import type { Node } from './node';
import type { Pid } from './pid';
import type { ExitReason } from './reason';

/** A process as a runtime extension holds it: its pid, and whether it still runs. */
export interface RuntimeProcess {
  readonly self: Pid;
  readonly alive: boolean;
}

/**
 * The part of a Node that a package extending the runtime uses (a distribution, the bridge
 * between a node's scheduler threads): each member acts on this node, never on whichever
 * node the module-level functions (`send`, `exit`, `whereis`) pick on a thread that holds
 * several. These members stay out of Node's published declarations (marked internal) so that
 * applications use the module-level API; `nodeRuntime(node)` is the supported way in, and
 * the compiler checks here that Node still has every one of them.
 */
export interface NodeRuntime {
  readonly id: number;
  readonly schedulerId: number;
  readonly logger: Logger;
  /** What routes pids of other nodes (a DistributionPort once a distribution joined), or null. */
  readonly dist: unknown;
  /** The other schedulers of a multi-scheduler node, or null on a one-scheduler node. */
  readonly peer: { readonly schedulers: number } | null;
  /** Spawns a bare process on this scheduler (no parent: nothing links to it). */
  spawnFrom(parent: null, body: (ctx: ProcessContext) => Promise<void>, options?: { name?: string }): RuntimeProcess;
  send(to: Pid, message: unknown): void;
  exit(pid: Pid, reason: ExitReason): void;
  awaitExit(pid: Pid): Promise<ExitReason>;
  whereis(name: string): Pid | undefined;
}

/** The runtime-extension view of `node`. */
export function nodeRuntime(node: Node): NodeRuntime {
  return node;
}
