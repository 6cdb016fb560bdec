import type { Behaviour, ProcessBody, ProcessContext, SpawnOptions } from './context';
import type { From } from './call';
import type { RemoteRelations, RemoteSpec } from './cluster/remote';
import type { ServerName } from './names';
import { Pid, Ref } from './pid';
import type { Timer } from './long-timeout';
import type { Mailbox } from './mailbox';
import { ExitSignal, type ExitReason } from './reason';
import { BadArgError } from './errors';
import type { Runtime } from './runtime';

export const enum Flag {
  InRunQueue = 1,
  /** An async callback is pending: the mailbox is held until it settles. */
  Busy = 2,
  Dead = 4,
  TrapExit = 8,
  /** While Busy: the Tag of the message whose async callback runs (bits 4-5), for processInfo's currentCallback. */
  BusyTag = 48,
}

/** Where Flag.BusyTag starts. */
export const BUSY_TAG_SHIFT = 4;

/** A pending `ctx.receive()` of a body process. */
export interface Waiter {
  match: ((message: unknown) => boolean) | undefined;
  resolve: (message: unknown) => void;
  timer: Timer | undefined;
}

/** What a process does when the process it monitors ends: a DOWN message, or (runtime-internal) a callback. */
export type MonitorWatcher = Process | ((reason: ExitReason) => void);

/** The node as its processes see it. */
export type NodeRuntime = Runtime<Process>;

/** The pid of what spawn returned: a local Process, or the pid of one on another scheduler. */
export function pidOf(spawned: Process | Pid): Pid {
  return spawned instanceof Pid ? spawned : spawned.self;
}

/**
 * The runtime's own view of a callback's ctx: every ctx the runtime hands out is the
 * Process itself. A ctx made up elsewhere (a user's object passed as `parent`) is a
 * BadArgError here rather than a crash later.
 */
export function processOf(ctx: ProcessContext): Process {
  if (ctx instanceof Process) return ctx;
  throw new BadArgError(`${String(ctx?.self)} is not a ctx this runtime gave out`);
}

/**
 * One process. Kept lean (fields allocated on first use) because a node may
 * hold hundreds of thousands of idle ones. It is also the process's own
 * ProcessContext, so callbacks get a ctx without an extra allocation.
 */
export class Process implements ProcessContext {
  flags = 0;
  mailbox: Mailbox | null = null;
  waiter: Waiter | null = null;
  links: Set<Process> | null = null;
  /** Monitors others hold on this process. */
  monitoredBy: Map<Ref, MonitorWatcher> | null = null;
  /** Monitors this process holds, for demonitor and cleanup at exit. */
  monitoring: Map<Ref, Process> | null = null;
  name: string | null = null;
  handled = 0;
  reason: ExitReason | undefined = undefined;
  /** Unanswered calls made to this process: an intrusive list through From.next/prev. */
  calls: From | null = null;
  /** Links and monitors with processes on other schedulers. */
  remote: RemoteRelations | null = null;

  constructor(
    readonly node: NodeRuntime,
    readonly self: Pid,
    /** null for a body process, which consumes its mailbox through receive(). */
    readonly behaviour: Behaviour | null,
  ) {}

  get alive(): boolean {
    return (this.flags & Flag.Dead) === 0;
  }

  get trapsExits(): boolean {
    return (this.flags & Flag.TrapExit) !== 0;
  }

  receive<T = unknown>(match?: (message: unknown) => boolean, timeoutMs?: number): Promise<T> {
    return this.node.receive(this, match, timeoutMs) as Promise<T>;
  }

  send(to: Pid | ServerName, message: unknown): void {
    this.node.send(to, message);
  }

  link(pid: Pid): void {
    this.node.link(this, pid);
  }

  unlink(pid: Pid): void {
    this.node.unlink(this, pid);
  }

  monitor(target: Pid | ServerName): Ref {
    return this.node.monitor(this, target);
  }

  demonitor(ref: Ref, options?: { flush?: boolean }): boolean {
    return this.node.demonitor(this, ref, options?.flush === true);
  }

  trapExit(flag: boolean): boolean {
    const previous = this.trapsExits;
    if (flag) this.flags |= Flag.TrapExit;
    else this.flags &= ~Flag.TrapExit;
    return previous;
  }

  exit(reason: ExitReason): never {
    throw new ExitSignal(reason);
  }

  exitSignal(pid: Pid, reason: ExitReason): void {
    this.node.exit(pid, reason, this.self);
  }

  spawnLink(body: ProcessBody | Behaviour | RemoteSpec, options?: SpawnOptions): Pid {
    return pidOf(this.node.spawnAnywhere(this, body, { ...options, link: true }));
  }

  spawnMonitor(body: ProcessBody | Behaviour | RemoteSpec, options?: SpawnOptions): [Pid, Ref] {
    const child = pidOf(this.node.spawnAnywhere(this, body, options));
    return [child, this.node.monitor(this, child)];
  }

  sendAfter(ms: number, message: unknown): Ref {
    return this.node.sendAfter(ms, this.self, message);
  }

  cancelTimer(ref: Ref): number | false {
    return this.node.cancelTimer(ref);
  }

  cancelTimerAsync(ref: Ref): Promise<number | false> {
    return this.node.cancelTimerAsync(ref);
  }

  toString(): string {
    return this.self.toString();
  }
}
