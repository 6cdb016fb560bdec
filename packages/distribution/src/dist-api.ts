import type { ChildSpec, NameService, Pid, RemoteSpec, Ref } from '@erlmcp/otp';
import type { NodeDirectory } from './directory';
import type { NodeEvent, RemoteSpawnOptions } from './dist-types';
import type { RemoteChildSpec, RemoteStartOptions } from './remote-child';

/** The global registry as every scheduler thread sees it (GlobalRegistry on the main thread, its mirror on a worker). */
export interface GlobalNames extends NameService<string> {
  /** global:register_name/2: true when `pid` now holds `name`, false when another live process holds it. */
  registerName(name: string, pid: Pid): Promise<boolean>;
  /** global:unregister_name/1. */
  unregisterName(name: string): Promise<void>;
  /** global:whereis_name/1, from this thread's copy: no round trip. */
  whereisName(name: string): Pid | undefined;
  /** global:registered_names/0. */
  registeredNames(): string[];
}

/**
 * What a process can ask of its node's distribution, on any scheduler thread: the `DistNode`
 * on the main thread, a `WorkerDist` on a worker scheduler (`DistNode.here()` gives the
 * right one). Both have the same semantics; a worker's forwards what needs the cluster to the
 * main thread's DistNode and keeps a copy of its membership and global names.
 */
export interface DistApi {
  /** This node's name. */
  readonly name: string;
  /** The global registry (null when the node was started with `global: false`). */
  readonly global: GlobalNames | null;
  /** True while the node's NATS connection is up (on a worker: as the main thread last said). */
  readonly connected: boolean;
  nodes(): string[];
  nodeId(name: string): number;
  nodeName(id: number): string | undefined;
  isReachable(pid: Pid): boolean;
  waitForNodes(names: string[], timeoutMs?: number): Promise<void>;
  onNodeEvent(listener: (event: NodeEvent) => void): () => void;
  monitorNode(name: string, watcher: Pid, flag?: boolean): void;
  spawn(nodeName: string, spec: RemoteSpec, options?: RemoteSpawnOptions): Promise<{ pid: Pid; ref?: Ref }>;
  startServer(nodeName: string, spec: RemoteSpec, args: unknown, options?: RemoteStartOptions): Promise<Pid | 'ignore'>;
  directory(key: string): NodeDirectory;
  childSpec(spec: RemoteChildSpec): ChildSpec;
}
