import type { ChildSpec, Pid, ProcessContext, RemotePlacement, RemoteSpec, RestartType, Shutdown } from '@erlmcp/otp';

/** Options of `startServer` on another node. */
export interface RemoteStartOptions {
  /** Link to the caller (or `parent`) once its init has returned. */
  link?: boolean;
  /** A local name on its node. */
  name?: string;
  /** How long its init may take, in ms. */
  timeout?: number;
  parent?: ProcessContext;
  /** Which scheduler of the other node runs it: a number, or that node's pick (default 'round_robin'). */
  scheduler?: RemotePlacement;
}

/** A supervisor child that runs on another node: a GenServer definition named by module and export there. */
export interface RemoteChildSpec {
  id: string;
  /** The node it runs on (its name: a restart finds the node's current run). */
  node: string;
  /** A GenServer definition exported by a module that loads on that node. */
  start: RemoteSpec;
  /** The server's init argument. */
  args?: unknown;
  restart?: RestartType;
  shutdown?: Shutdown;
  /** A local name on its node. */
  name?: string;
  /** How long its init may take, in ms. */
  timeout?: number;
  /** Which scheduler of that node runs it (default: that node's round robin). */
  scheduler?: RemotePlacement;
}

/** What a remote child needs of its node (DistNode). */
export interface RemoteStarter {
  startServer(nodeName: string, spec: RemoteSpec, args: unknown, options?: RemoteStartOptions): Promise<Pid | 'ignore'>;
}

/**
 * A child spec whose start runs a GenServer on another node, linked to the supervisor, as
 * an Erlang child started by an MFA on a remote node. The supervisor restarts it (on that
 * node) when it crashes; when the node goes down the link delivers `noconnection`, which
 * the supervisor handles as any exit, restarting (and failing while the node is away,
 * within its restart intensity).
 */
export function remoteChild(dist: RemoteStarter, spec: RemoteChildSpec): ChildSpec {
  return {
    id: spec.id,
    restart: spec.restart,
    shutdown: spec.shutdown,
    type: 'worker',
    // Runs as the supervisor, so `link` links to it; async, so an unknown node is a failed start, not a throw.
    start: async () =>
      dist.startServer(spec.node, spec.start, spec.args, {
        link: true,
        name: spec.name,
        timeout: spec.timeout,
        scheduler: spec.scheduler,
      }),
  };
}
