import { availableParallelism } from 'node:os';
import type { Behaviour, ProcessBody, SpawnOptions } from './context';
import { CallTimeouts, failPendingCalls } from './call';
import type { ClusterHandle, SchedulerPeer } from './cluster/peer';
import { isRemoteSpec, MAX_SCHEDULERS, schedulerDownReason, schedulerOf, type RemoteSpec } from './cluster/remote';
import { running } from './current';
import { AlreadyRegisteredError, BadArgError, NoCurrentProcessError, NoProcError } from './errors';
import { createLogger, type Logger } from './logger';
import { checkTimeout, clearTimer, setTimer, type Timer } from './long-timeout';
import { Mailbox, Tag } from './mailbox';
import { DownMessage, ExitMessage } from './messages';
import { checkLocalName, checkServerName, describeName, isViaName, type ServerName } from './names';
import { Pid, Ref } from './pid';
import { Flag, Process } from './process';
import { Queue } from './queue';
import { Crash, crashReason, formatReason, isNormalExit, type ExitReason } from './reason';
import { LocalNames, type NameRegistry } from './registry';
import { Scheduler, type SchedulerOptions } from './scheduler';
import { createTelemetryBus, type TelemetryBus } from './telemetry';

export interface NodeOptions {
  /** The node number printed in pids: <Node.Id.0>. */
  id?: number;
  logger?: Logger;
  /** Used when no logger is given: a winston level, or 'silent'. */
  logLevel?: string;
  scheduler?: SchedulerOptions;
  /**
   * Scheduler threads: scheduler 0 is the main thread, the others worker
   * threads. Default 'auto': one per core, as BEAM does. Processes are
   * placed with spawn's `scheduler` option.
   */
  schedulers?: number | 'auto';
  /** Capacity of the shared name registry when there are several schedulers. */
  maxNames?: number;
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
  handle: Timer;
  due: number;
  /** The local process it is for, when addressed by pid: its exit cancels the timer. */
  owner: Process | undefined;
}

/** Hooks the cluster installs: starting worker schedulers, stopping them, asking them for data. */
export interface ClusterControl {
  readonly handle: ClusterHandle;
  stop(): Promise<void>;
}

/**
 * A node: the process table, the registry of names, links, monitors, exit
 * signals, timers and the scheduler of this thread. With several schedulers
 * each thread has its own Node for its processes and a SchedulerPeer that
 * routes everything addressed to a process on another thread.
 * `Node.start()` makes it the node the module-level functions use.
 */
export class Node {
  readonly id: number;
  readonly schedulerId: number;
  readonly events: TelemetryBus = createTelemetryBus();
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly timeouts = new CallTimeouts();
  /** This scheduler's own pid (<N.k.0>), the sender of exit signals that come from outside any process. */
  readonly pid: Pid;
  /** Routes to other schedulers; null on a one-scheduler node. */
  peer: SchedulerPeer | null = null;
  /** On the main thread of a multi-scheduler node: the worker threads. */
  cluster: ClusterControl | null = null;
  private names: NameRegistry = new LocalNames();
  private readonly table = new Map<number, Process>();
  private readonly timers = new Map<number, TimerEntry>();
  /** Timers addressed to a local pid, by that process: cancelled when it exits. */
  private readonly timersOf = new Map<Process, Set<number>>();
  private readonly stoppables: Stoppable[] = [];
  private readonly pendingSignals = new Queue<[Process, Pid, ExitReason, boolean]>();
  private deliveringSignals = false;
  private nextPid = 1;
  private nextRef = 1;
  private stopping = false;

  constructor(options: NodeOptions = {}, schedulerId = 0) {
    this.id = options.id ?? 0;
    this.schedulerId = schedulerId;
    this.pid = new Pid(this.id, schedulerId);
    this.logger = options.logger ?? createLogger(options.logLevel);
    this.scheduler = new Scheduler(
      schedulerId,
      (process, error, where) => this.crash(process, error, where),
      (process) => this.runBodyStep(process),
      options.scheduler,
    );
  }

  /**
   * Starts a node and makes it the current one. With `schedulers` > 1 it
   * also starts the worker schedulers (through the cluster module, loaded
   * only then).
   */
  static start(options: NodeOptions = {}): Node {
    if (running.node !== null && !running.node.stopping) {
      throw new BadArgError('a node is already running: stop it first');
    }
    const node = new Node(options);
    running.node = node;
    const wanted = options.schedulers ?? 'auto';
    const schedulers = wanted === 'auto' ? Math.min(MAX_SCHEDULERS, availableParallelism()) : wanted;
    if (!Number.isInteger(schedulers) || schedulers < 1 || schedulers > MAX_SCHEDULERS) {
      running.node = null;
      throw new BadArgError(`schedulers must be 1..${MAX_SCHEDULERS} or 'auto'`);
    }
    if (schedulers > 1) {
      const { startCluster } = require('./cluster/cluster') as typeof import('./cluster/cluster');
      startCluster(node, schedulers, options);
    }
    return node;
  }

  /** @internal Wires this node into a cluster as scheduler `schedulerId`. */
  joinCluster(peer: SchedulerPeer): void {
    this.peer = peer;
    this.names = peer.names;
    this.scheduler.poll = peer.poll;
    this.scheduler.inboxReady = peer.inboxReady;
  }

  get isRunning(): boolean {
    return running.node === this && !this.stopping;
  }

  // ---- processes ----------------------------------------------------------

  spawn(body: ProcessBody | Behaviour | RemoteSpec, options: SpawnOptions = {}): Process | Pid {
    return this.spawnAnywhere(running.process, body, options);
  }

  /**
   * Spawns where `options.scheduler` says. On this scheduler it returns the
   * Process; on another, the new pid (a module and export are required
   * there: functions cannot cross threads).
   */
  spawnAnywhere(parent: Process | null, body: ProcessBody | Behaviour | RemoteSpec, options: SpawnOptions = {}): Process | Pid {
    const k = this.placement(options.scheduler);
    if (k === this.schedulerId) {
      return this.spawnFrom(parent, isRemoteSpec(body) ? bodyOf(body) : body, options);
    }
    if (!isRemoteSpec(body)) {
      throw new BadArgError(`a function cannot run on scheduler ${k}: spawn { module, export } there instead`);
    }
    if ((options.link === true || options.monitor === true) && parent === null) {
      throw new NoCurrentProcessError(options.link === true ? 'spawnLink' : 'spawnMonitor');
    }
    const peer = this.peer!;
    const id = peer.allocatePid(k);
    if (options.link === true) peer.relationsOf(parent!).links.add(id);
    void peer.request(k, {
      kind: 'spawn',
      module: body.module,
      export: body.export,
      args: body.args ?? [],
      id,
      parent: options.link === true ? parent!.self.id : undefined,
      name: options.name,
      trapExit: options.trapExit,
    });
    return new Pid(this.id, id);
  }

  /** The scheduler a placement option names; throws for one that does not exist. */
  placement(scheduler: SpawnOptions['scheduler']): number {
    if (scheduler === undefined || scheduler === 'local') return this.schedulerId;
    const peer = this.peer;
    if (peer === null) {
      if (scheduler === 0 || scheduler === 'round_robin' || scheduler === 'least_loaded') return this.schedulerId;
      throw new BadArgError(`scheduler ${String(scheduler)} does not exist: this node has one scheduler`);
    }
    if (typeof scheduler === 'number') {
      if (!Number.isInteger(scheduler) || scheduler < 0 || scheduler >= peer.schedulers) {
        throw new BadArgError(`scheduler ${scheduler} does not exist: this node has ${peer.schedulers}`);
      }
      return scheduler;
    }
    return peer.place(scheduler);
  }

  /** Spawns on this scheduler with `parent` as the process that links or monitors, when options ask. */
  spawnFrom(parent: Process | null, body: ProcessBody | Behaviour, options: SpawnOptions = {}, presetId?: number): Process {
    if ((options.link === true || options.monitor === true) && parent === null) {
      throw new NoCurrentProcessError(options.link === true ? 'spawnLink' : 'spawnMonitor');
    }
    if (options.name !== undefined) checkLocalName('spawn', options.name);
    if (options.name !== undefined && this.names.whereis(options.name) !== undefined) {
      throw new AlreadyRegisteredError(options.name, this.pidOf(this.names.whereis(options.name)!));
    }
    const isBody = typeof body === 'function';
    const id = presetId ?? this.allocatePid();
    const process = new Process(this, new Pid(this.id, id), isBody ? null : body);
    if (options.name !== undefined && !this.names.register(options.name, id)) {
      throw new AlreadyRegisteredError(options.name, this.pidOf(this.names.whereis(options.name)!));
    }
    this.table.set(id, process);
    this.peer?.onSpawn();
    if (options.name !== undefined) this.bindName(options.name, process);
    if (options.trapExit === true) process.flags |= Flag.TrapExit;
    if (options.link === true) this.addLink(parent!, process);
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

  private allocatePid(): number {
    if (this.peer !== null) return this.peer.allocatePid(this.schedulerId);
    return this.nextPid++ * MAX_SCHEDULERS + this.schedulerId;
  }

  /** A Pid object for an id: the process's own for a local one, so identity holds where it can. */
  pidOf(id: number): Pid {
    return this.table.get(id)?.self ?? new Pid(this.id, id);
  }

  isLocal(pid: Pid): boolean {
    return pid.node === this.id && schedulerOf(pid.id) === this.schedulerId;
  }

  lookup(pid: Pid): Process | undefined {
    if (pid.node !== this.id) return undefined;
    return this.table.get(pid.id);
  }

  lookupId(id: number): Process | undefined {
    return this.table.get(id);
  }

  /** A local live process, or the pid of a process on another scheduler, or undefined. */
  route(target: Pid | ServerName): Process | Pid | undefined {
    let pid: Pid | undefined;
    if (target instanceof Pid) pid = target;
    else if (typeof target === 'string') {
      const id = this.names.whereis(target);
      if (id === undefined) return undefined;
      pid = this.pidOf(id);
    } else if (isViaName(target)) pid = target.via.whereisName(target.name);
    if (pid === undefined || pid.node !== this.id) return undefined;
    if (schedulerOf(pid.id) === this.schedulerId) return this.table.get(pid.id);
    return this.peer !== null ? pid : undefined;
  }

  /** Resolves a pid or a name to a live process on this scheduler. */
  resolve(target: Pid | ServerName): Process | undefined {
    const routed = this.route(target);
    return routed instanceof Process ? routed : undefined;
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
    this.sendTagged(to, message, Tag.Info);
  }

  /** Sends with a mailbox tag (GenServer casts and calls), to a local process or through the peer. */
  sendTagged(to: Pid | ServerName, message: unknown, tag: Tag): void {
    if (message === undefined) throw new BadArgError('cannot send undefined');
    const target = this.route(to);
    if (target instanceof Process) this.deliver(target, message, tag);
    else if (target !== undefined) this.peer!.send(target, tag, message);
    else if (!(to instanceof Pid)) {
      checkServerName('send', to);
      throw new NoProcError(describeName(to));
    }
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

  /**
   * {@link deliver}, but handled before this returns when the process is idle and the
   * caller is not a process (see Scheduler.runNow): an I/O listener's input skips a trip
   * through the run queue. Otherwise queued as usual.
   */
  deliverNow(process: Process, message: unknown, tag: Tag): void {
    if (!this.scheduler.runNow(process, message, tag)) this.deliver(process, message, tag);
  }

  receive(process: Process, match: ((message: unknown) => boolean) | undefined, timeoutMs: number | undefined): Promise<unknown> {
    if (process.behaviour !== null) {
      throw new BadArgError(`receive() is for spawned functions; ${process.behaviour.kind} gets its messages through handleMessage`);
    }
    if (process.waiter !== null) throw new BadArgError('receive() is already waiting');
    if (timeoutMs !== undefined) checkTimeout('receive', timeoutMs);
    return new Promise((resolve) => {
      if ((process.flags & Flag.Dead) !== 0) return;
      const waiter = { match, resolve, timer: undefined as Timer | undefined };
      process.waiter = waiter;
      if (timeoutMs !== undefined && timeoutMs !== Infinity) {
        waiter.timer = setTimer(() => {
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
        if (waiter.timer !== undefined) clearTimer(waiter.timer);
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
    const target = this.route(pid);
    if (target instanceof Pid) {
      const k = schedulerOf(pid.id);
      if (!this.peer!.isAlive(k)) this.signal(process, pid, schedulerDownReason(k), true);
      else this.peer!.link(process, pid);
      return;
    }
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
    const target = this.route(pid);
    if (target instanceof Pid) return this.peer!.unlink(process, pid);
    if (target === undefined) return;
    process.links?.delete(target);
    target.links?.delete(process);
  }

  monitor(watcher: Process, target: Pid | ServerName): Ref {
    const ref = this.makeRef();
    const routed = this.route(target);
    if (routed instanceof Pid) {
      const k = schedulerOf(routed.id);
      if (this.peer!.isAlive(k)) this.peer!.monitor(watcher, routed, ref);
      else this.deliver(watcher, new DownMessage(ref, routed, schedulerDownReason(k)));
      return ref;
    }
    if (routed === undefined || (routed.flags & Flag.Dead) !== 0) {
      this.deliver(watcher, new DownMessage(ref, target, 'noproc'));
      return ref;
    }
    (routed.monitoredBy ??= new Map()).set(ref, watcher);
    (watcher.monitoring ??= new Map()).set(ref, routed);
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
    if (target === undefined) return this.peer?.demonitor(watcher, ref) ?? false;
    watcher.monitoring!.delete(ref);
    dropWatcher(target, ref);
    return true;
  }

  /**
   * A runtime-internal monitor: `onExit` runs when the process ends (at once
   * with 'noproc' if it is not alive). Returns a function that cancels it.
   */
  watch(pid: Pid, onExit: (reason: ExitReason) => void): () => void {
    const target = this.route(pid);
    if (target instanceof Pid) return this.peer!.watch(target, onExit);
    if (target === undefined || (target.flags & Flag.Dead) !== 0) {
      onExit(target?.reason ?? 'noproc');
      return () => {};
    }
    const ref = this.makeRef();
    (target.monitoredBy ??= new Map()).set(ref, onExit);
    return () => dropWatcher(target, ref);
  }

  /** Resolves with the exit reason once `pid` has ended ('noproc' if it was not alive). */
  awaitExit(pid: Pid): Promise<ExitReason> {
    return new Promise((resolve) => this.watch(pid, resolve));
  }

  /** Erlang's exit/2. `from` defaults to the calling process, or the node itself. */
  exit(pid: Pid, reason: ExitReason, from?: Pid): void {
    const sender = from ?? running.process?.self ?? this.pid;
    const target = this.route(pid);
    if (target instanceof Pid) this.peer!.exit(sender, target, reason, false);
    else if (target !== undefined) this.signal(target, sender, reason, false);
  }

  /**
   * Delivers an exit signal. 'kill' sent by exit/2 cannot be trapped; a
   * trapping process gets an EXIT message; 'normal' is ignored unless a
   * process sends it to itself.
   */
  signal(target: Process, from: Pid, reason: ExitReason, viaLink: boolean): void {
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
    if (process.name !== null) this.names.unregister(process.name, process.self.id);
    process.mailbox = null;
    if (process.waiter !== null) {
      if (process.waiter.timer !== undefined) clearTimer(process.waiter.timer);
      process.waiter = null;
    }
    if (process.calls !== null) failPendingCalls(process, reason);
    if (this.timersOf.size !== 0) this.cancelTimersOf(process);
    if (process.behaviour?.onExit !== undefined) {
      try {
        process.behaviour.onExit(reason);
      } catch (error) {
        this.logger.error('onExit threw', { pid: process.self, error });
      }
    }
    if (process.monitoring !== null) {
      for (const [ref, target] of process.monitoring) dropWatcher(target, ref);
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
    this.peer?.onExit(process, reason);
    if (reason instanceof Crash) {
      this.logger.error(`crash report: ${process.self}${process.name ? ` (${process.name})` : ''} exited: ${reason.message}`, {
        pid: process.self,
        name: process.name ?? undefined,
        behaviour: process.behaviour?.kind ?? 'process',
        where: reason.where,
        messagesHandled: process.handled,
        scheduler: this.schedulerId,
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
        this.pendingSignals.push([linked, process.self, reason, true]);
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
        this.signal(next[0], next[1], next[2], next[3]);
      }
    } finally {
      this.deliveringSignals = false;
    }
  }

  // ---- registry -----------------------------------------------------------

  register(name: string, pid: Pid): true {
    checkLocalName('register', name);
    const holder = this.names.whereis(name);
    if (holder !== undefined) throw new AlreadyRegisteredError(name, this.pidOf(holder));
    const target = this.route(pid);
    if (target === undefined || (target instanceof Process && (target.flags & Flag.Dead) !== 0)) throw new NoProcError(pid.toString());
    if (target instanceof Process && target.name !== null) throw new BadArgError(`${pid} is already registered as ${target.name}`);
    if (!this.names.register(name, pid.id)) throw new AlreadyRegisteredError(name, this.pidOf(this.names.whereis(name)!));
    if (target instanceof Process) this.bindName(name, target);
    else this.peer!.named(target, name);
    return true;
  }

  private bindName(name: string, process: Process): void {
    process.name = name;
    if (this.events.listenerCount('register') > 0) this.events.emit('register', { name, pid: process.self });
  }

  unregister(name: string): true {
    checkLocalName('unregister', name);
    const id = this.names.unregister(name);
    if (id === undefined) throw new BadArgError(`${name} is not registered`);
    const process = this.table.get(id);
    if (process !== undefined && process.name === name) process.name = null;
    return true;
  }

  whereis(name: string): Pid | undefined {
    checkLocalName('whereis', name);
    const id = this.names.whereis(name);
    return id === undefined ? undefined : this.pidOf(id);
  }

  registered(): string[] {
    return this.names.entries().map(([name]) => name);
  }

  // ---- refs and timers ----------------------------------------------------

  makeRef(): Ref {
    return new Ref(this.id, this.nextRef++ * MAX_SCHEDULERS + this.schedulerId);
  }

  /** erlang:send_after/3. The timer is gone once it fires or is cancelled. */
  sendAfter(ms: number, to: Pid | string, message: unknown): Ref {
    if (message === undefined) throw new BadArgError('cannot send undefined');
    // erlang:send_after's badarg: a negative, NaN or infinite time is a mistake, not "at once".
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new BadArgError(`sendAfter: expected a time in ms >= 0, got ${String(ms)}`);
    const ref = this.makeRef();
    // As erlang:send_after: a timer for a pid is cancelled when that process is not alive, so
    // a process that dies does not leave its timers holding the event loop open.
    const owner = to instanceof Pid && this.isLocal(to) ? this.table.get(to.id) : undefined;
    if (to instanceof Pid && this.isLocal(to) && owner === undefined) return ref;
    const handle = setTimer(() => {
      this.forgetTimer(ref.id);
      // A name is resolved when the timer fires, as in Erlang; a name nobody holds by then is dropped.
      if (this.route(to) !== undefined) this.send(to, message);
    }, ms);
    this.timers.set(ref.id, { handle, due: performance.now() + ms, owner });
    if (owner !== undefined) {
      let refs = this.timersOf.get(owner);
      if (refs === undefined) this.timersOf.set(owner, (refs = new Set()));
      refs.add(ref.id);
    }
    return ref;
  }

  /**
   * erlang:cancel_timer/1: the milliseconds that were left, or false if it already fired (or was
   * cancelled). A timer set on another scheduler lives there: the cancel is forwarded to it and
   * this returns false, meaning "not known here" (cancelTimerAsync gives that scheduler's answer).
   */
  cancelTimer(ref: Ref): number | false {
    const k = this.timerScheduler(ref);
    if (k === this.schedulerId) return this.cancelLocalTimer(ref.id);
    if (k !== undefined) void this.peer!.cancelTimer(k, ref.id);
    return false;
  }

  /** erlang:cancel_timer/2 with {async, true}, as a promise: works for a timer set on any scheduler. */
  cancelTimerAsync(ref: Ref): Promise<number | false> {
    const k = this.timerScheduler(ref);
    if (k === this.schedulerId) return Promise.resolve(this.cancelLocalTimer(ref.id));
    return k === undefined ? Promise.resolve(false) : this.peer!.cancelTimer(k, ref.id);
  }

  /** The scheduler that owns the timer `ref` names (a ref carries it in its id); undefined if none of this node's. */
  private timerScheduler(ref: Ref): number | undefined {
    if (!(ref instanceof Ref)) throw new BadArgError(`cancelTimer: expected a timer ref, got ${String(ref)}`);
    if (ref.node !== this.id) return undefined;
    const k = schedulerOf(ref.id);
    if (k === this.schedulerId) return k;
    return this.peer !== null && k < this.peer.schedulers ? k : undefined;
  }

  /** @internal Cancels a timer set on this scheduler, by its ref id. */
  cancelLocalTimer(id: number): number | false {
    const entry = this.timers.get(id);
    if (entry === undefined) return false;
    clearTimer(entry.handle);
    this.forgetTimer(id);
    return Math.max(0, Math.round(entry.due - performance.now()));
  }

  private forgetTimer(id: number): void {
    const owner = this.timers.get(id)?.owner;
    this.timers.delete(id);
    if (owner === undefined) return;
    const refs = this.timersOf.get(owner)!;
    refs.delete(id);
    if (refs.size === 0) this.timersOf.delete(owner);
  }

  /** Cancels the timers addressed to a process that has exited. */
  private cancelTimersOf(process: Process): void {
    const refs = this.timersOf.get(process);
    if (refs === undefined) return;
    this.timersOf.delete(process);
    for (const id of refs) {
      clearTimer(this.timers.get(id)!.handle);
      this.timers.delete(id);
    }
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

  /**
   * Stops applications newest first, then the worker schedulers, then kills
   * every remaining process and clears every timer: no thread or handle is
   * left behind.
   */
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
    await this.cluster?.stop();
    this.killAll();
    await this.peer?.shutdown();
    if (running.node === this) running.node = null;
  }

  /** @internal Kills every process of this scheduler and clears its timers. */
  killAll(): void {
    for (const process of [...this.table.values()]) this.exitProcess(process, 'killed');
    for (const entry of this.timers.values()) clearTimer(entry.handle);
    this.timers.clear();
    this.timersOf.clear();
    this.timeouts.clear();
    this.scheduler.stop();
  }
}

/** The process body a spec names: a function export gets (ctx, ...args); a behaviour is used as it is. */
export function bodyOf(spec: RemoteSpec): ProcessBody | Behaviour {
  const target = loadExport<ProcessBody | Behaviour | ((ctx: unknown, ...args: unknown[]) => unknown)>(spec);
  if (typeof target !== 'function') return target;
  const args = spec.args ?? [];
  return (ctx) => (target as (ctx: unknown, ...args: unknown[]) => unknown)(ctx, ...args);
}

/** require()s a module and returns one of its exports: how other schedulers name code. */
export function loadExport<T>(spec: RemoteSpec): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module named by path at run time (CommonJS, as the README says)
  const mod = require(spec.module) as Record<string, unknown>;
  if (!(spec.export in mod)) throw new BadArgError(`${spec.module} has no export ${spec.export}`);
  return mod[spec.export] as T;
}

/** Removes one watcher; a process watched only briefly (every GenServer during its start) keeps no empty map. */
function dropWatcher(target: Process, ref: Ref): void {
  const watchers = target.monitoredBy;
  if (watchers === null) return;
  watchers.delete(ref);
  if (watchers.size === 0) target.monitoredBy = null;
}
