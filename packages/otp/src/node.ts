// Past 400 lines on purpose: about a third of it is one-line delegations to signals.ts,
// node-names.ts and node-timers.ts, which keep `node.link(...)`, `node.exitProcess(...)` and
// the like as the one runtime interface (runtime.ts) that processes and behaviours call; the
// rest is the process table and message delivery, kept together as the hot path of a send.
import { availableParallelism } from 'node:os';
import type { Behaviour, ProcessBody, SpawnOptions } from './context';
import { receive, runBodyStep, StartBody } from './body-process';
import { CallTimeouts } from './call';
import type { ClusterControl, ClusterService } from './cluster-service';
import type { DistributionService } from './distribution-service';
import { isRemoteSpec, MAX_SCHEDULERS, schedulerOf, type RemoteSpec } from './cluster/remote';
import { running } from './current';
import { AlreadyRegisteredError, BadArgError, NoCurrentProcessError, NoProcError } from './errors';
import { createLogger, type Logger } from './logger';
import { Mailbox, Tag } from './mailbox';
import { checkLocalName, checkServerName, describeName, isViaName, type ServerName } from './names';
import { Pid, Ref } from './pid';
import { NodeNames } from './node-names';
import { NodeTimers } from './node-timers';
import { Flag, Process } from './process';
import type { SchedulerStats } from './process-info';
import type { ExitReason } from './reason';
import { Scheduler, type SchedulerOptions } from './scheduler';
import { Signals } from './signals';
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

/** @internal Starts the worker schedulers of a node; the cluster installs it (cluster/install.ts). */
export type ClusterStarter = (node: Node, schedulers: number, options: NodeOptions) => void;

let clusterStarter: ClusterStarter | null = null;

/** @internal How the cluster installs itself, so that node.ts never imports cluster/. */
export function installClusterStarter(start: ClusterStarter): void {
  clusterStarter = start;
}

/**
 * A node: the scheduler of this thread and its processes. `Node.start()` makes it the node
 * the module-level functions use; `stop()` ends it; `events` and `logger` report on it and
 * `stats()` measures it. That is its public face; the rest is marked internal and left out
 * of the published types.
 *
 * Inside, the node holds the process table and delivers messages (here: the hot path of a
 * send, kept in one class); signals.ts holds links, monitors and exits, node-names.ts the
 * names, node-timers.ts the timers and body-process.ts a spawned function's run and
 * receive. With several schedulers each thread has its own Node, and the cluster installs
 * itself through `joinCluster` as the route to processes on other threads.
 *
 * It is the runtime its processes see (`NodeRuntime`): `new Process(this, ...)` checks that.
 */
export class Node {
  readonly id: number;
  readonly schedulerId: number;
  readonly events: TelemetryBus = createTelemetryBus();
  readonly logger: Logger;
  /** @internal */
  readonly scheduler: Scheduler;
  /** @internal */
  readonly timeouts = new CallTimeouts();
  /** This scheduler's own pid (<N.k.0>), the sender of exit signals that come from outside any process. */
  readonly pid: Pid;
  /** @internal Routes to other schedulers; null on a one-scheduler node. Installed by {@link joinCluster}. */
  peer: ClusterService | null = null;
  /** @internal Routes to processes of other nodes; null until a distribution joins ({@link joinDistribution}). */
  dist: DistributionService | null = null;
  /** @internal On the main thread of a multi-scheduler node: the worker threads. */
  cluster: ClusterControl | null = null;
  /** @internal */
  readonly names: NodeNames = new NodeNames(this);
  /** @internal */
  readonly timers: NodeTimers = new NodeTimers(this);
  /** @internal */
  readonly signals: Signals = new Signals(this);
  /** The process table: this scheduler's live processes by pid id. */
  private readonly table = new Map<number, Process>();
  private readonly stoppables: Stoppable[] = [];
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
      (process) => runBodyStep(this, process),
      options.scheduler,
    );
  }

  /**
   * Starts a node and makes it the current one. With `schedulers` > 1 it
   * also starts the worker schedulers (through the starter the cluster
   * installed, which loads the cluster module only then).
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
      if (clusterStarter === null) {
        running.node = null;
        throw new BadArgError('no cluster is installed: import the node from @erlmcp/otp to run several schedulers');
      }
      clusterStarter(node, schedulers, options);
    }
    return node;
  }

  /** @internal Wires this node into a cluster as scheduler `schedulerId`: the hook through which the cluster installs itself. */
  joinCluster(peer: ClusterService): void {
    this.peer = peer;
    this.names.registry = peer.names;
    this.scheduler.poll = peer.poll;
    this.scheduler.inboxReady = peer.inboxReady;
  }

  /** @internal Routes pids of other nodes through `dist` (null: they route nowhere again). */
  joinDistribution(dist: DistributionService | null): void {
    this.dist = dist;
  }

  get isRunning(): boolean {
    return running.node === this && !this.stopping;
  }

  // ---- processes ----------------------------------------------------------

  /** @internal */
  spawn(body: ProcessBody | Behaviour | RemoteSpec, options: SpawnOptions = {}): Process | Pid {
    return this.spawnAnywhere(running.process, body, options);
  }

  /**
   * @internal
   * Spawns where `options.scheduler` says. On this scheduler it returns the
   * Process; on another, the new pid (a module and export are required
   * there: functions cannot cross threads).
   */
  spawnAnywhere(
    parent: Process | null,
    body: ProcessBody | Behaviour | RemoteSpec,
    options: SpawnOptions = {},
  ): Process | Pid {
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
    return this.remote().spawnRemote(parent, k, body, options);
  }

  /**
   * @internal The cluster, for what concerns another scheduler. Only a multi-scheduler node
   * routes a pid elsewhere or places a process elsewhere, so a call here on a one-scheduler
   * node is a runtime bug, not a user's mistake.
   */
  remote(): ClusterService;
  /** @internal The route to `target`: the distribution for a pid of another node, else the cluster. */
  remote(target: Pid): DistributionService;
  remote(target?: Pid): ClusterService | DistributionService {
    if (target !== undefined && target.node !== this.id && this.dist !== null) return this.dist;
    if (this.peer === null) throw new Error('internal: another scheduler was addressed on a one-scheduler node');
    return this.peer;
  }

  /** @internal The scheduler a placement option names; throws for one that does not exist. */
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

  /** @internal Spawns on this scheduler with `parent` as the process that links or monitors, when options ask. */
  spawnFrom(
    parent: Process | null,
    body: ProcessBody | Behaviour,
    options: SpawnOptions = {},
    presetId?: number,
  ): Process {
    if ((options.link === true || options.monitor === true) && parent === null) {
      throw new NoCurrentProcessError(options.link === true ? 'spawnLink' : 'spawnMonitor');
    }
    if (options.name !== undefined) checkLocalName('spawn', options.name);
    if (options.name !== undefined && this.names.registry.whereis(options.name) !== undefined) {
      throw new AlreadyRegisteredError(options.name, this.pidOf(this.names.registry.whereis(options.name)!));
    }
    const isBody = typeof body === 'function';
    const id = presetId ?? this.allocatePid();
    const process = new Process(this, new Pid(this.id, id), isBody ? null : body);
    if (options.name !== undefined && !this.names.registry.register(options.name, id)) {
      throw new AlreadyRegisteredError(options.name, this.pidOf(this.names.registry.whereis(options.name)!));
    }
    this.table.set(id, process);
    this.peer?.onSpawn();
    if (options.name !== undefined) this.names.bind(options.name, process);
    if (options.trapExit === true) process.flags |= Flag.TrapExit;
    if (options.link === true) this.signals.addLink(parent!, process);
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

  /** @internal A Pid object for an id: the process's own for a local one, so identity holds where it can. */
  pidOf(id: number): Pid {
    return this.table.get(id)?.self ?? new Pid(this.id, id);
  }

  /** @internal */
  isLocal(pid: Pid): boolean {
    return pid.node === this.id && schedulerOf(pid.id) === this.schedulerId;
  }

  /** @internal */
  lookup(pid: Pid): Process | undefined {
    if (pid.node !== this.id) return undefined;
    return this.table.get(pid.id);
  }

  /** @internal */
  lookupId(id: number): Process | undefined {
    return this.table.get(id);
  }

  /** @internal A local live process, or the pid of a process on another scheduler, or undefined. */
  route(target: Pid | ServerName): Process | Pid | undefined {
    let pid: Pid | undefined;
    if (target instanceof Pid) pid = target;
    else if (typeof target === 'string') {
      const id = this.names.registry.whereis(target);
      if (id === undefined) return undefined;
      pid = this.pidOf(id);
    } else if (isViaName(target)) pid = target.via.whereisName(target.name);
    if (pid === undefined) return undefined;
    if (pid.node !== this.id) return this.dist !== null ? pid : undefined;
    if (schedulerOf(pid.id) === this.schedulerId) return this.table.get(pid.id);
    return this.peer !== null ? pid : undefined;
  }

  /** @internal Resolves a pid or a name to a live process on this scheduler. */
  resolve(target: Pid | ServerName): Process | undefined {
    const routed = this.route(target);
    return routed instanceof Process ? routed : undefined;
  }

  /** @internal */
  processes(): Process[] {
    return [...this.table.values()];
  }

  /** Each scheduler's process count, run-queue length and event-loop utilisation (from shared memory with several). */
  stats(): SchedulerStats[] {
    if (this.peer !== null) return this.peer.stats();
    const utilisation = performance.eventLoopUtilization().utilization;
    return [
      {
        scheduler: this.schedulerId,
        alive: true,
        processes: this.processCount,
        runQueue: this.scheduler.runQueueLength,
        utilisation,
        messages: this.scheduler.messagesHandled % 2 ** 32,
      },
    ];
  }

  /** The processes alive on this scheduler. */
  get processCount(): number {
    return this.table.size;
  }

  /** @internal Runs `fn` as if called from `process`'s callback, so startLink and spawnLink link to it. */
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

  /** @internal `To ! Message`. Sends to a dead pid are dropped; an unregistered name is a NoProcError. */
  send(to: Pid | ServerName, message: unknown): void {
    this.sendTagged(to, message, Tag.Info);
  }

  /** @internal Sends with a mailbox tag (GenServer casts and calls), to a local process or through the peer. */
  sendTagged(to: Pid | ServerName, message: unknown, tag: Tag): void {
    if (message === undefined) throw new BadArgError('cannot send undefined');
    const target = this.route(to);
    if (target instanceof Process) this.deliver(target, message, tag);
    else if (target !== undefined) this.remote(target).send(target, tag, message);
    else if (!(to instanceof Pid)) {
      checkServerName('send', to);
      throw new NoProcError(describeName(to));
    }
  }

  /** @internal Puts a message in a mailbox; `tag` marks casts, calls and runtime messages for behaviours. */
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
   * @internal
   * {@link deliver}, but handled before this returns when the process is idle and the
   * caller is not a process (see Scheduler.runNow): an I/O listener's input skips a trip
   * through the run queue. Otherwise queued as usual.
   */
  deliverNow(process: Process, message: unknown, tag: Tag): void {
    if (!this.scheduler.runNow(process, message, tag)) this.deliver(process, message, tag);
  }

  /** @internal */
  receive(
    process: Process,
    match: ((message: unknown) => boolean) | undefined,
    timeoutMs: number | undefined,
  ): Promise<unknown> {
    return receive(this, process, match, timeoutMs);
  }

  // ---- links, monitors, exit signals (signals.ts) ---------------------------

  /** @internal */
  link(process: Process, pid: Pid): void {
    this.signals.link(process, pid);
  }

  /** @internal */
  unlink(process: Process, pid: Pid): void {
    this.signals.unlink(process, pid);
  }

  /** @internal */
  monitor(watcher: Process, target: Pid | ServerName): Ref {
    return this.signals.monitor(watcher, target);
  }

  /** @internal */
  demonitor(watcher: Process, ref: Ref, flush: boolean): boolean {
    return this.signals.demonitor(watcher, ref, flush);
  }

  /** @internal A runtime-internal monitor: `onExit` runs when the process ends. Returns a function that cancels it. */
  watch(pid: Pid, onExit: (reason: ExitReason) => void): () => void {
    return this.signals.watch(pid, onExit);
  }

  /** @internal Resolves with the exit reason once `pid` has ended ('noproc' if it was not alive). */
  awaitExit(pid: Pid): Promise<ExitReason> {
    return this.signals.awaitExit(pid);
  }

  /** @internal Erlang's exit/2. `from` defaults to the calling process, or the node itself. */
  exit(pid: Pid, reason: ExitReason, from?: Pid): void {
    this.signals.exit(pid, reason, from);
  }

  /** @internal */
  signal(target: Process, from: Pid, reason: ExitReason, viaLink: boolean): void {
    this.signals.signal(target, from, reason, viaLink);
  }

  /** @internal */
  crash(process: Process, error: unknown, where: string): void {
    this.signals.crash(process, error, where);
  }

  /** @internal Ends a process: releases its name, fails its pending calls, signals links and monitors. */
  exitProcess(process: Process, reason: ExitReason): void {
    this.signals.exitProcess(process, reason);
  }

  /** @internal Takes an ended process out of the table and the name registry (the first step of its exit). */
  release(process: Process): void {
    this.table.delete(process.self.id);
    if (process.name !== null) this.names.registry.unregister(process.name, process.self.id);
  }

  // ---- names (node-names.ts) ----------------------------------------------

  /** @internal */
  register(name: string, pid: Pid): true {
    return this.names.register(name, pid);
  }

  /** @internal */
  unregister(name: string): true {
    return this.names.unregister(name);
  }

  /** @internal */
  whereis(name: string): Pid | undefined {
    return this.names.whereis(name);
  }

  /** @internal */
  registered(): string[] {
    return this.names.registered();
  }

  // ---- refs and timers (node-timers.ts) -----------------------------------

  /** @internal */
  makeRef(): Ref {
    return new Ref(this.id, this.nextRef++ * MAX_SCHEDULERS + this.schedulerId);
  }

  /** @internal erlang:send_after/3. */
  sendAfter(ms: number, to: Pid | string, message: unknown): Ref {
    return this.timers.sendAfter(ms, to, message);
  }

  /** @internal erlang:cancel_timer/1 (false for a timer of another scheduler: see cancelTimerAsync). */
  cancelTimer(ref: Ref): number | false {
    return this.timers.cancel(ref);
  }

  /** @internal erlang:cancel_timer/2 with {async, true}: works for a timer set on any scheduler. */
  cancelTimerAsync(ref: Ref): Promise<number | false> {
    return this.timers.cancelAsync(ref);
  }

  /** @internal Cancels a timer set on this scheduler, by its ref id (a cancel forwarded from another scheduler). */
  cancelLocalTimer(id: number): number | false {
    return this.timers.cancelLocal(id);
  }

  // ---- lifecycle ----------------------------------------------------------

  /** @internal Registers something to stop (in reverse order) when the node stops. */
  addStoppable(item: Stoppable): void {
    this.stoppables.push(item);
  }

  /** @internal */
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
    this.dist = null;
    if (running.node === this) running.node = null;
  }

  /** @internal Kills every process of this scheduler and clears its timers. */
  killAll(): void {
    for (const process of [...this.table.values()]) this.exitProcess(process, 'killed');
    this.timers.clear();
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
