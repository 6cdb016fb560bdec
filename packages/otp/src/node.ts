import type { Behaviour, ProcessBody, SpawnOptions } from './context';
import { CallTimeouts, failPendingCalls } from './call';
import { running } from './current';
import { AlreadyRegisteredError, BadArgError, NoCurrentProcessError, NoProcError } from './errors';
import { createLogger, type Logger } from './logger';
import { DownMessage, ExitMessage } from './messages';
import { describeName, isViaName, type ServerName } from './names';
import { Pid, Ref } from './pid';
import { Flag, Process } from './process';
import { Mailbox, Tag } from './mailbox';
import { Queue } from './queue';
import { Crash, crashReason, formatReason, isNormalExit, type ExitReason } from './reason';
import { Scheduler, type SchedulerOptions } from './scheduler';
import { createTelemetryBus, type TelemetryBus } from './telemetry';

export interface NodeOptions {
  /** The node number printed in pids: <Node.Id.0>. */
  id?: number;
  logger?: Logger;
  /** Used when no logger is given: a winston level, or 'silent'. */
  logLevel?: string;
  scheduler?: SchedulerOptions;
}

/** Something the node stops, newest first, before it kills what is left (applications). */
export interface Stoppable {
  readonly name: string;
  stop(): Promise<void>;
}

/** Marks the first mailbox entry of a body process: run the body. */
class StartBody {
  constructor(readonly body: ProcessBody) {}
}

interface TimerEntry {
  handle: NodeJS.Timeout;
  due: number;
}

/**
 * A node: the process table, the registry of local names, links, monitors,
 * exit signals, timers and the scheduler. `Node.start()` makes it the node
 * that the module-level functions (spawn, send, GenServer.call, ...) use.
 */
export class Node {
  readonly id: number;
  readonly events: TelemetryBus = createTelemetryBus();
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly timeouts = new CallTimeouts();
  /** The node's own pid (<N.0.0>), the sender of exit signals that come from outside any process. */
  readonly pid: Pid;
  private readonly table = new Map<number, Process>();
  private readonly names = new Map<string, Process>();
  private readonly timers = new Map<number, TimerEntry>();
  private readonly stoppables: Stoppable[] = [];
  private readonly pendingSignals = new Queue<[Process, Pid, ExitReason]>();
  private deliveringSignals = false;
  private nextPid = 1;
  private nextRef = 1;
  private stopping = false;

  constructor(options: NodeOptions = {}) {
    this.id = options.id ?? 0;
    this.pid = new Pid(this.id, 0);
    this.logger = options.logger ?? createLogger(options.logLevel);
    this.scheduler = new Scheduler(
      0,
      (process, error, where) => this.crash(process, error, where),
      (process) => this.runBodyStep(process),
      options.scheduler,
    );
  }

  /** Starts a node and makes it the current one. A node already running is stopped first. */
  static start(options: NodeOptions = {}): Node {
    if (running.node !== null && !running.node.stopping) {
      throw new BadArgError('a node is already running: stop it first');
    }
    const node = new Node(options);
    running.node = node;
    return node;
  }

  get isRunning(): boolean {
    return running.node === this && !this.stopping;
  }

  // ---- processes ----------------------------------------------------------

  spawn(body: ProcessBody | Behaviour, options: SpawnOptions = {}): Process {
    return this.spawnFrom(running.process, body, options);
  }

  /** Spawns with `parent` as the process that links or monitors, when options ask. */
  spawnFrom(parent: Process | null, body: ProcessBody | Behaviour, options: SpawnOptions = {}): Process {
    if ((options.link === true || options.monitor === true) && parent === null) {
      throw new NoCurrentProcessError(options.link === true ? 'spawnLink' : 'spawnMonitor');
    }
    if (options.name !== undefined && this.names.has(options.name)) {
      throw new AlreadyRegisteredError(options.name, this.names.get(options.name)!.self);
    }
    const isBody = typeof body === 'function';
    const process = new Process(this, new Pid(this.id, this.nextPid++), isBody ? null : body);
    this.table.set(process.self.id, process);
    if (options.trapExit === true) process.flags |= Flag.TrapExit;
    if (options.link === true) this.addLink(parent!, process);
    if (options.name !== undefined) this.bindName(options.name, process);
    if (this.events.listenerCount('spawn') > 0) {
      this.events.emit('spawn', { pid: process.self, behaviour: isBody ? 'process' : body.kind, parent: parent?.self });
    }
    if (isBody) {
      process.mailbox = new Mailbox();
      process.mailbox.push(Tag.System, new StartBody(body));
      this.scheduler.enqueue(process);
    }
    return process;
  }

  lookup(pid: Pid): Process | undefined {
    if (pid.node !== this.id) return undefined;
    return this.table.get(pid.id);
  }

  /** Resolves a pid or a name to a live local process. */
  resolve(target: Pid | ServerName): Process | undefined {
    if (target instanceof Pid) return this.lookup(target);
    if (typeof target === 'string') return this.names.get(target);
    if (isViaName(target)) {
      const pid = target.via.whereisName(target.name);
      return pid === undefined ? undefined : this.lookup(pid);
    }
    return undefined;
  }

  processes(): Process[] {
    return [...this.table.values()];
  }

  get processCount(): number {
    return this.table.size;
  }

  /** Runs `fn` as if called from `process`'s callback, so startLink and spawnLink link to it. */
  runAs<T>(process: Process, fn: () => T): T {
    const previous = running.process;
    running.process = process;
    try {
      return fn();
    } finally {
      running.process = previous;
    }
  }

  // ---- messages -----------------------------------------------------------

  /** `To ! Message`. Sends to a dead pid are dropped; an unregistered name is a NoProcError. */
  send(to: Pid | ServerName, message: unknown): void {
    if (message === undefined) throw new BadArgError('cannot send undefined');
    if (to instanceof Pid) {
      const process = this.lookup(to);
      if (process !== undefined) this.deliver(process, message);
      return;
    }
    const process = this.resolve(to);
    if (process === undefined) throw new NoProcError(describeName(to));
    this.deliver(process, message);
  }

  /** Puts a message in a mailbox; `tag` marks casts, calls and runtime messages for behaviours. */
  deliver(process: Process, message: unknown, tag: Tag = Tag.Info): void {
    if ((process.flags & Flag.Dead) !== 0) return;
    let mailbox = process.mailbox;
    if (mailbox === null) mailbox = process.mailbox = new Mailbox();
    mailbox.push(tag, message);
    if (process.behaviour !== null) {
      if ((process.flags & (Flag.Busy | Flag.InRunQueue)) === 0) this.scheduler.enqueue(process);
    } else if (process.waiter !== null) {
      this.scheduler.enqueue(process);
    }
  }

  receive(process: Process, match: ((message: unknown) => boolean) | undefined, timeoutMs: number | undefined): Promise<unknown> {
    if (process.behaviour !== null) {
      throw new BadArgError(`receive() is for spawned functions; ${process.behaviour.kind} gets its messages through handleMessage`);
    }
    if (process.waiter !== null) throw new BadArgError('receive() is already waiting');
    return new Promise((resolve) => {
      if ((process.flags & Flag.Dead) !== 0) return;
      const waiter = { match, resolve, timer: undefined as NodeJS.Timeout | undefined };
      process.waiter = waiter;
      if (timeoutMs !== undefined && timeoutMs !== Infinity) {
        waiter.timer = setTimeout(() => {
          if (process.waiter !== waiter) return;
          process.waiter = null;
          resolve(undefined);
        }, timeoutMs);
      }
      if (process.mailbox !== null && process.mailbox.length > 0) this.scheduler.enqueue(process);
    });
  }

  /** The scheduler's step for a body process: start it, or hand its receive() a matching message. */
  private runBodyStep(process: Process): void {
    const mailbox = process.mailbox;
    if (mailbox === null || mailbox.length === 0) return;
    if (mailbox.headTag() === Tag.System) {
      const start = mailbox.shift() as StartBody;
      this.startBody(process, start.body);
      return;
    }
    const waiter = process.waiter;
    if (waiter === null) return;
    for (let i = 0; i < mailbox.length; i++) {
      const message = mailbox.at(i);
      let matched: boolean;
      try {
        matched = waiter.match === undefined || waiter.match(message);
      } catch (error) {
        this.crash(process, error, 'receive');
        return;
      }
      if (matched) {
        mailbox.removeAt(i);
        process.waiter = null;
        if (waiter.timer !== undefined) clearTimeout(waiter.timer);
        process.handled++;
        waiter.resolve(message);
        return;
      }
    }
  }

  private startBody(process: Process, body: ProcessBody): void {
    let result: unknown;
    running.process = process;
    try {
      result = body(process);
    } catch (error) {
      this.crash(process, error, 'body');
      return;
    } finally {
      running.process = null;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        () => this.exitProcess(process, 'normal'),
        (error: unknown) => this.crash(process, error, 'body'),
      );
    } else {
      this.exitProcess(process, 'normal');
    }
  }

  // ---- links, monitors, exit signals ---------------------------------------

  link(process: Process, pid: Pid): void {
    if (pid.equals(process.self)) return;
    const target = this.lookup(pid);
    if (target === undefined || (target.flags & Flag.Dead) !== 0) {
      // link/1 to a process that does not exist: the caller gets a noproc exit signal.
      this.signal(process, pid, 'noproc', true);
      return;
    }
    this.addLink(process, target);
  }

  private addLink(a: Process, b: Process): void {
    (a.links ??= new Set()).add(b);
    (b.links ??= new Set()).add(a);
  }

  unlink(process: Process, pid: Pid): void {
    const target = this.lookup(pid);
    if (target === undefined) return;
    process.links?.delete(target);
    target.links?.delete(process);
  }

  monitor(watcher: Process, target: Pid | ServerName): Ref {
    const ref = this.makeRef();
    const process = this.resolve(target);
    if (process === undefined || (process.flags & Flag.Dead) !== 0) {
      this.deliver(watcher, new DownMessage(ref, target, 'noproc'));
      return ref;
    }
    (process.monitoredBy ??= new Map()).set(ref, watcher);
    (watcher.monitoring ??= new Map()).set(ref, process);
    return ref;
  }

  demonitor(watcher: Process, ref: Ref, flush: boolean): boolean {
    const target = watcher.monitoring?.get(ref);
    if (flush && watcher.mailbox !== null) {
      const mailbox = watcher.mailbox;
      for (let i = 0; i < mailbox.length; i++) {
        const message = mailbox.at(i);
        if (message instanceof DownMessage && message.ref === ref) {
          mailbox.removeAt(i);
          break;
        }
      }
    }
    if (target === undefined) return false;
    watcher.monitoring!.delete(ref);
    target.monitoredBy?.delete(ref);
    return true;
  }

  /**
   * A runtime-internal monitor: `onExit` runs when the process ends (at once
   * with 'noproc' if it is not alive). Returns a function that cancels it.
   */
  watch(pid: Pid, onExit: (reason: ExitReason) => void): () => void {
    const process = this.lookup(pid);
    if (process === undefined || (process.flags & Flag.Dead) !== 0) {
      onExit(process?.reason ?? 'noproc');
      return () => {};
    }
    const ref = this.makeRef();
    (process.monitoredBy ??= new Map()).set(ref, onExit);
    return () => {
      process.monitoredBy?.delete(ref);
    };
  }

  /** Resolves with the exit reason once `pid` has ended ('noproc' if it was not alive). */
  awaitExit(pid: Pid): Promise<ExitReason> {
    return new Promise((resolve) => this.watch(pid, resolve));
  }

  /** Erlang's exit/2. `from` defaults to the calling process, or the node itself. */
  exit(pid: Pid, reason: ExitReason, from?: Pid): void {
    const target = this.lookup(pid);
    if (target === undefined) return;
    this.signal(target, from ?? running.process?.self ?? this.pid, reason, false);
  }

  /**
   * Delivers an exit signal. 'kill' sent by exit/2 cannot be trapped; a
   * trapping process gets an EXIT message; 'normal' is ignored unless a
   * process sends it to itself.
   */
  private signal(target: Process, from: Pid, reason: ExitReason, viaLink: boolean): void {
    if ((target.flags & Flag.Dead) !== 0) return;
    if (reason === 'kill' && !viaLink) {
      this.exitProcess(target, 'killed');
    } else if ((target.flags & Flag.TrapExit) !== 0) {
      this.deliver(target, new ExitMessage(from, reason));
    } else if (reason === 'normal') {
      if (!viaLink && from.equals(target.self)) this.exitProcess(target, 'normal');
    } else {
      this.exitProcess(target, reason);
    }
  }

  crash(process: Process, error: unknown, where: string): void {
    this.exitProcess(process, crashReason(error, where));
  }

  /** Ends a process: releases its name, fails its pending calls, signals links and monitors. */
  exitProcess(process: Process, reason: ExitReason): void {
    if ((process.flags & Flag.Dead) !== 0) return;
    process.flags = (process.flags | Flag.Dead) & ~Flag.InRunQueue;
    process.reason = reason;
    this.table.delete(process.self.id);
    if (process.name !== null && this.names.get(process.name) === process) this.names.delete(process.name);
    process.mailbox = null;
    if (process.waiter !== null) {
      if (process.waiter.timer !== undefined) clearTimeout(process.waiter.timer);
      process.waiter = null;
    }
    if (process.calls !== null) failPendingCalls(process, reason);
    if (process.behaviour?.onExit !== undefined) {
      try {
        process.behaviour.onExit(reason);
      } catch (error) {
        this.logger.error('onExit threw', { pid: process.self, error });
      }
    }
    if (process.monitoring !== null) {
      for (const [ref, target] of process.monitoring) target.monitoredBy?.delete(ref);
      process.monitoring = null;
    }
    if (process.monitoredBy !== null) {
      const watchers = process.monitoredBy;
      process.monitoredBy = null;
      for (const [ref, watcher] of watchers) {
        if (typeof watcher === 'function') {
          watcher(reason);
        } else {
          watcher.monitoring?.delete(ref);
          this.deliver(watcher, new DownMessage(ref, process.self, reason));
        }
      }
    }
    if (reason instanceof Crash) {
      this.logger.error(`crash report: ${process.self}${process.name ? ` (${process.name})` : ''} exited: ${reason.message}`, {
        pid: process.self,
        name: process.name ?? undefined,
        behaviour: process.behaviour?.kind ?? 'process',
        where: reason.where,
        messagesHandled: process.handled,
        stack: reason.stack,
      });
    } else if (!isNormalExit(reason) && reason !== 'killed') {
      this.logger.debug(`${process.self} exited: ${formatReason(reason)}`);
    }
    if (this.events.listenerCount('exit') > 0) {
      this.events.emit('exit', { pid: process.self, name: process.name, reason, messagesHandled: process.handled });
    }
    if (process.links !== null) {
      for (const linked of process.links) {
        linked.links?.delete(process);
        this.pendingSignals.push([linked, process.self, reason]);
      }
      process.links = null;
      this.flushSignals();
    }
  }

  /** Exit signals along links go through a worklist, so a long chain cannot overflow the stack. */
  private flushSignals(): void {
    if (this.deliveringSignals) return;
    this.deliveringSignals = true;
    try {
      for (let next = this.pendingSignals.shift(); next !== undefined; next = this.pendingSignals.shift()) {
        this.signal(next[0], next[1], next[2], true);
      }
    } finally {
      this.deliveringSignals = false;
    }
  }

  // ---- registry -----------------------------------------------------------

  register(name: string, pid: Pid): true {
    if (this.names.has(name)) throw new AlreadyRegisteredError(name, this.names.get(name)!.self);
    const process = this.lookup(pid);
    if (process === undefined || (process.flags & Flag.Dead) !== 0) throw new NoProcError(pid.toString());
    if (process.name !== null) throw new BadArgError(`${pid} is already registered as ${process.name}`);
    this.bindName(name, process);
    return true;
  }

  private bindName(name: string, process: Process): void {
    this.names.set(name, process);
    process.name = name;
    if (this.events.listenerCount('register') > 0) this.events.emit('register', { name, pid: process.self });
  }

  unregister(name: string): true {
    const process = this.names.get(name);
    if (process === undefined) throw new BadArgError(`${name} is not registered`);
    this.names.delete(name);
    process.name = null;
    return true;
  }

  whereis(name: string): Pid | undefined {
    return this.names.get(name)?.self;
  }

  registered(): string[] {
    return [...this.names.keys()];
  }

  // ---- refs and timers ----------------------------------------------------

  makeRef(): Ref {
    return new Ref(this.id, this.nextRef++);
  }

  /** erlang:send_after/3. The timer is gone once it fires or is cancelled. */
  sendAfter(ms: number, to: Pid | string, message: unknown): Ref {
    if (message === undefined) throw new BadArgError('cannot send undefined');
    const ref = this.makeRef();
    const handle = setTimeout(() => {
      this.timers.delete(ref.id);
      const target = to instanceof Pid ? this.lookup(to) : this.names.get(to);
      if (target !== undefined) this.deliver(target, message);
    }, ms);
    this.timers.set(ref.id, { handle, due: performance.now() + ms });
    return ref;
  }

  /** erlang:cancel_timer/1: the milliseconds that were left, or false if it already fired. */
  cancelTimer(ref: Ref): number | false {
    const entry = this.timers.get(ref.id);
    if (entry === undefined) return false;
    clearTimeout(entry.handle);
    this.timers.delete(ref.id);
    return Math.max(0, Math.round(entry.due - performance.now()));
  }

  // ---- lifecycle ----------------------------------------------------------

  /** Registers something to stop (in reverse order) when the node stops. */
  addStoppable(item: Stoppable): void {
    this.stoppables.push(item);
  }

  removeStoppable(item: Stoppable): void {
    const i = this.stoppables.indexOf(item);
    if (i >= 0) this.stoppables.splice(i, 1);
  }

  /** Stops applications newest first, kills every remaining process, clears timers. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const item of [...this.stoppables].reverse()) {
      try {
        await item.stop();
      } catch (error) {
        this.logger.error(`stopping ${item.name} failed`, { error });
      }
    }
    for (const process of [...this.table.values()]) this.exitProcess(process, 'killed');
    for (const entry of this.timers.values()) clearTimeout(entry.handle);
    this.timers.clear();
    this.timeouts.clear();
    this.scheduler.stop();
    this.names.clear();
    if (running.node === this) running.node = null;
  }
}
