import type { Pid, Ref } from './pid';
import type { ExitReason } from './reason';
import type { Placement, RemoteSpec } from './cluster/remote';
import type { ServerName } from './names';

/**
 * What a process can do as itself. Every callback receives it as `ctx`; it
 * stays valid across awaits, unlike the module-level `self()`, which only
 * knows the process during a callback's synchronous part.
 */
export interface ProcessContext {
  readonly self: Pid;
  /**
   * Erlang's receive: the first message in the mailbox that `match` accepts
   * (any message without `match`). With `timeoutMs`, resolves `undefined` if
   * none arrives in time, like `after`.
   */
  receive<T = unknown>(match?: (message: unknown) => boolean, timeoutMs?: number): Promise<T>;
  send(to: Pid | ServerName, message: unknown): void;
  link(pid: Pid): void;
  unlink(pid: Pid): void;
  monitor(pid: Pid | ServerName): Ref;
  /** Removes the monitor; with `flush`, also drops its DOWN message if already delivered. */
  demonitor(ref: Ref, options?: { flush?: boolean }): boolean;
  /** Sets process_flag(trap_exit) and returns the previous value. */
  trapExit(flag: boolean): boolean;
  /** Erlang's exit/1: ends this process with `reason`. Never returns. */
  exit(reason: ExitReason): never;
  /** Erlang's exit/2: sends an exit signal to `pid`. */
  exitSignal(pid: Pid, reason: ExitReason): void;
  spawnLink(body: ProcessBody | Behaviour | RemoteSpec, options?: SpawnOptions): Pid;
  spawnMonitor(body: ProcessBody | Behaviour | RemoteSpec, options?: SpawnOptions): [Pid, Ref];
  /** erlang:send_after(Time, self(), Msg). */
  sendAfter(ms: number, message: unknown): Ref;
  /**
   * erlang:cancel_timer(Ref), as the module-level `cancelTimer`: the ms that were
   * left, or false (fired, cancelled, or set on another scheduler: see cancelTimerAsync).
   */
  cancelTimer(ref: Ref): number | false;
  /** As the module-level `cancelTimerAsync`: works for a timer set on any scheduler. */
  cancelTimerAsync(ref: Ref): Promise<number | false>;
}

/** Erlang's spawn(Fun): the process runs `body` and exits 'normal' when it returns. */
export type ProcessBody = (ctx: ProcessContext) => unknown;

/**
 * A behaviour handles one message at a time; a returned promise holds the
 * mailbox until it settles. GenServer and Supervisor are behaviours; so can
 * be a user's own special process.
 */
export interface Behaviour {
  /** Shown by processInfo and the observer, e.g. 'gen_server'. */
  readonly kind: string;
  /**
   * `tag` says what kind of message this is: 0 a plain message, 1 a
   * GenServer cast, 2 a call (the message is its From), 3 runtime-internal.
   * A behaviour that only takes plain messages can ignore it.
   */
  handleMessage(message: unknown, ctx: ProcessContext, tag: number): void | PromiseLike<void>;
  /** Runtime cleanup once the process has ended, whatever the reason. Must not throw. */
  onExit?(reason: ExitReason): void;
}

export interface SpawnOptions {
  link?: boolean;
  monitor?: boolean;
  /** Registers the process under this local name as it starts. */
  name?: string;
  trapExit?: boolean;
  /**
   * Which scheduler runs it: a number, 'local' (the caller's, the default),
   * 'round_robin' or 'least_loaded'. On another scheduler the body must be a
   * `{ module, export, args }` spec.
   */
  scheduler?: Placement;
}

/** For the startLink of GenServer, Supervisor and DynamicSupervisor. */
export interface LinkOptions {
  /**
   * The process to link to, as its callback's ctx. Default: the process whose callback
   * is running, which is known only in a callback's synchronous part: after an await,
   * pass `{ parent: ctx }` (without it, startLink there is a NoCurrentProcessError).
   */
  parent?: ProcessContext;
}
