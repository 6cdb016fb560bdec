// Types the node, its API on worker threads and the main-thread agent share (kept apart so
// that none of them imports another for its types).
import type { ExitReason, ProcessContext, RemotePlacement } from '@erlmcp/otp';

/** A node joining or leaving the cluster, as `onNodeEvent` listeners see it. */
export type NodeEvent = { kind: 'nodeup' | 'nodedown'; node: string; id: number; reason?: ExitReason };

export interface RemoteSpawnOptions {
  /** Link the new process to the caller (or `parent`) before it runs. */
  link?: boolean;
  /** Monitor it from the caller (or `parent`): the ref comes back with the pid. */
  monitor?: boolean;
  /** A local name on its node. */
  name?: string;
  trapExit?: boolean;
  /** The process that links or monitors, when the call is made after an await (module-level self() is gone then). */
  parent?: ProcessContext;
  /** Which scheduler of the other node runs it: a number, or that node's pick (default 'round_robin'). */
  scheduler?: RemotePlacement;
}

/** The message a `monitorNode` watcher gets, as Erlang's {nodedown, Node}. */
export interface NodeDownMessage {
  nodedown: string;
}
