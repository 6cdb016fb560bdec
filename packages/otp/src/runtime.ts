import type { Behaviour, ProcessBody, SpawnOptions } from './context';
import type { RemoteSpec } from './cluster/remote';
import type { Logger } from './logger';
import type { Tag } from './mailbox';
import type { ServerName } from './names';
import type { Pid, Ref } from './pid';
import type { ExitReason } from './reason';
import type { TelemetryBus } from './telemetry';

/**
 * The runtime as a process and the behaviours see it: what `Process` (and GenServer,
 * Supervisor, ...) may ask of the node that runs it. `Node` implements it.
 *
 * It imports no runtime module, only types of leaf modules (pids, reasons, names, the
 * logger), and it is generic in the process type `P`: Process depends on this interface,
 * Node depends on Process, and neither imports the other's file, so there is no cycle.
 */
export interface Runtime<P> {
  readonly id: number;
  readonly schedulerId: number;
  readonly logger: Logger;
  readonly events: TelemetryBus;

  /** `To ! Message`. */
  send(to: Pid | ServerName, message: unknown): void;
  /** Puts a message in a local process's mailbox; `tag` marks casts, calls and runtime messages. */
  deliver(process: P, message: unknown, tag?: Tag): void;
  receive(
    process: P,
    match: ((message: unknown) => boolean) | undefined,
    timeoutMs: number | undefined,
  ): Promise<unknown>;
  link(process: P, pid: Pid): void;
  unlink(process: P, pid: Pid): void;
  monitor(watcher: P, target: Pid | ServerName): Ref;
  demonitor(watcher: P, ref: Ref, flush: boolean): boolean;
  /** Erlang's exit/2. */
  exit(pid: Pid, reason: ExitReason, from?: Pid): void;
  /** Resolves with the exit reason once `pid` has ended ('noproc' if it was not alive). */
  awaitExit(pid: Pid): Promise<ExitReason>;
  /** Spawns where `options.scheduler` says: the Process on this scheduler, the pid on another. */
  spawnAnywhere(parent: P | null, body: ProcessBody | Behaviour | RemoteSpec, options?: SpawnOptions): P | Pid;
  /** Runs `fn` as if called from `process`'s callback, so startLink and spawnLink link to it. */
  runAs<T>(process: P, fn: () => T): T;
  sendAfter(ms: number, to: Pid | string, message: unknown): Ref;
  cancelTimer(ref: Ref): number | false;
  cancelTimerAsync(ref: Ref): Promise<number | false>;
}
