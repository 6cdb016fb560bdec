import type { From } from './call';
import type { SpawnOptions } from './context';
import type { RemoteRelations, RemoteSpec } from './cluster/remote';
import type { BatchWriter } from './cluster/wire';
import type { Tag } from './mailbox';
import type { Pid, Ref } from './pid';
import type { Process } from './process';
import type { SchedulerStats, WireProcessInfo } from './process-info';
import type { ExitReason } from './reason';
import type { NameRegistry } from './registry';

/** How a remote start names what it starts: a GenServer definition, a supervisor spec, or a ProcLib behaviour factory. */
export type RemoteStartKind = 'gen_server' | 'supervisor' | 'proc_lib';

/**
 * What a node asks of the other schedulers of a multi-scheduler node. The cluster
 * (cluster/peer.ts) implements it and installs itself with `Node.joinCluster`, so that
 * the node, the behaviours and introspection reach the cluster through this interface
 * and never import cluster/ (which imports them).
 */
export interface ClusterService {
  readonly schedulers: number;
  /** The name registry shared by every scheduler. */
  readonly names: NameRegistry;
  /** Applies what other schedulers sent (the scheduler calls it as a drain starts). */
  readonly poll: () => void;
  /** True when other schedulers sent something, or records wait to go out. */
  readonly inboxReady: () => boolean;

  /** A fresh pid id on scheduler `k`. */
  allocatePid(k: number): number;
  isAlive(k: number): boolean;
  place(policy: 'round_robin' | 'least_loaded'): number;
  /** The process's links and monitors with processes on other schedulers (allocated on first use). */
  relationsOf(process: Process): RemoteRelations;
  onSpawn(): void;
  onExit(process: Process, reason: ExitReason): void;

  send(target: Pid, tag: Tag, message: unknown): void;
  call(target: Pid, from: From, request: unknown): void;
  /** GenServer.stop of a server on another scheduler. */
  stop(target: Pid, reason: ExitReason): void;
  link(from: Process, to: Pid): void;
  unlink(from: Process, to: Pid): void;
  exit(from: Pid, to: Pid, reason: ExitReason, viaLink: boolean): void;
  monitor(watcher: Process, target: Pid, ref: Ref): void;
  demonitor(watcher: Process, ref: Ref): boolean;
  watch(target: Pid, onExit: (reason: ExitReason) => void): () => void;
  named(pid: Pid, name: string): void;
  cancelTimer(k: number, timer: number): Promise<number | false>;

  /** Spawns `spec` on scheduler `k`, linked to `parent` when options ask: the new pid at once. */
  spawnRemote(parent: Process | null, k: number, spec: RemoteSpec, options: SpawnOptions): Pid;
  /** Starts a GenServer, supervisor or ProcLib behaviour on scheduler `k`, linked to `parent`: the remote half of startLink. */
  startRemote(
    parent: Process | null,
    k: number,
    kind: RemoteStartKind,
    spec: RemoteSpec,
    args: unknown,
    options: { name?: string; trapExit?: boolean; timeout?: number },
  ): Promise<Pid | 'ignore'>;
  /** Process info from scheduler k: one pid's, or (id -1) all of k's processes. */
  remoteInfo(k: number, id: number): Promise<WireProcessInfo[] | WireProcessInfo | null>;
  /** Every scheduler's figures, from the shared control block. */
  stats(): SchedulerStats[];
  /** Writes one record to scheduler k's ring (distribution relays frames this way). */
  record(k: number, write: (w: BatchWriter) => void): void;
  shutdown(): Promise<void>;
}

/** The main thread's hold on the worker scheduler threads: the node stops them as it stops. */
export interface ClusterControl {
  stop(): Promise<void>;
  /** Has every worker scheduler forward these events of its bus to the main thread's; returns the release. */
  forwardTelemetry?(events: readonly string[]): (() => void) & { ready: Promise<void> };
}
