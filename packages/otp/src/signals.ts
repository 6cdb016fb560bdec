import type { ClusterService } from './cluster-service';
import type { DistributionService } from './distribution-service';
import { failPendingCalls } from './call';
import { schedulerDownReason, schedulerOf } from './cluster/remote';
import { running } from './current';
import type { Logger } from './logger';
import type { Tag } from './mailbox';
import { clearTimer } from './long-timeout';
import { DownMessage, ExitMessage } from './messages';
import type { ServerName } from './names';
import type { NodeTimers } from './node-timers';
import { Pid, type Ref } from './pid';
import { Flag, type Process } from './process';
import { Queue } from './queue';
import { Crash, crashReason, formatReason, isNormalExit, type ExitReason } from './reason';
import type { TelemetryBus } from './telemetry';

/** What the signals need of their node. */
export interface SignalHost {
  readonly schedulerId: number;
  /** The node's own pid, the sender of exit signals from outside any process. */
  readonly pid: Pid;
  readonly logger: Logger;
  readonly events: TelemetryBus;
  readonly peer: ClusterService | null;
  readonly dist: DistributionService | null;
  readonly timers: NodeTimers;
  route(target: Pid | ServerName): Process | Pid | undefined;
  remote(): ClusterService;
  remote(target: Pid): DistributionService;
  deliver(process: Process, message: unknown, tag?: Tag): void;
  makeRef(): Ref;
  /** Takes an ended process out of the process table and the name registry. */
  release(process: Process): void;
}

/**
 * Links, monitors and exit signals between processes, and a process's end: Erlang's
 * link/unlink, monitor/demonitor, exit/2 and the exit signals that travel along links.
 * A signal to a process on another scheduler goes through the cluster.
 */
export class Signals {
  private readonly pendingSignals = new Queue<[Process, Pid, ExitReason, boolean]>();
  private deliveringSignals = false;

  constructor(private readonly node: SignalHost) {}

  link(process: Process, pid: Pid): void {
    if (pid.equals(process.self)) return;
    const target = this.node.route(pid);
    if (target instanceof Pid) {
      const k = schedulerOf(pid.id);
      const peer = this.node.remote(pid);
      if (!peer.isAlive(k)) this.signal(process, pid, schedulerDownReason(k), true);
      else peer.link(process, pid);
      return;
    }
    if (target === undefined || (target.flags & Flag.Dead) !== 0) {
      // link/1 to a process that does not exist: the caller gets a noproc exit signal.
      this.signal(process, pid, 'noproc', true);
      return;
    }
    this.addLink(process, target);
  }

  addLink(a: Process, b: Process): void {
    (a.links ??= new Set()).add(b);
    (b.links ??= new Set()).add(a);
  }

  unlink(process: Process, pid: Pid): void {
    const target = this.node.route(pid);
    if (target instanceof Pid) return this.node.remote(target).unlink(process, pid);
    if (target === undefined) return;
    process.links?.delete(target);
    target.links?.delete(process);
  }

  monitor(watcher: Process, target: Pid | ServerName): Ref {
    const ref = this.node.makeRef();
    const routed = this.node.route(target);
    if (routed instanceof Pid) {
      const k = schedulerOf(routed.id);
      const peer = this.node.remote(routed);
      if (peer.isAlive(k)) peer.monitor(watcher, routed, ref);
      else this.node.deliver(watcher, new DownMessage(ref, routed, schedulerDownReason(k)));
      return ref;
    }
    if (routed === undefined || (routed.flags & Flag.Dead) !== 0) {
      this.node.deliver(watcher, new DownMessage(ref, target, 'noproc'));
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
    if (target === undefined)
      return (this.node.peer?.demonitor(watcher, ref) ?? false) || (this.node.dist?.demonitor(watcher, ref) ?? false);
    watcher.monitoring!.delete(ref);
    dropWatcher(target, ref);
    return true;
  }

  /**
   * A runtime-internal monitor: `onExit` runs when the process ends (at once
   * with 'noproc' if it is not alive). Returns a function that cancels it.
   */
  watch(pid: Pid, onExit: (reason: ExitReason) => void): () => void {
    const target = this.node.route(pid);
    if (target instanceof Pid) return this.node.remote(target).watch(target, onExit);
    if (target === undefined || (target.flags & Flag.Dead) !== 0) {
      onExit(target?.reason ?? 'noproc');
      return () => {};
    }
    const ref = this.node.makeRef();
    (target.monitoredBy ??= new Map()).set(ref, onExit);
    return () => dropWatcher(target, ref);
  }

  /** Resolves with the exit reason once `pid` has ended ('noproc' if it was not alive). */
  awaitExit(pid: Pid): Promise<ExitReason> {
    return new Promise((resolve) => this.watch(pid, resolve));
  }

  /** Erlang's exit/2. `from` defaults to the calling process, or the node itself. */
  exit(pid: Pid, reason: ExitReason, from?: Pid): void {
    const sender = from ?? running.process?.self ?? this.node.pid;
    const target = this.node.route(pid);
    if (target instanceof Pid) this.node.remote(target).exit(sender, target, reason, false);
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
      this.node.deliver(target, new ExitMessage(from, reason));
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
    this.node.release(process);
    process.mailbox = null;
    if (process.waiter !== null) {
      if (process.waiter.timer !== undefined) clearTimer(process.waiter.timer);
      process.waiter = null;
    }
    if (process.calls !== null) failPendingCalls(process, reason);
    this.node.timers.cancelTimersOf(process);
    if (process.behaviour?.onExit !== undefined) {
      try {
        process.behaviour.onExit(reason);
      } catch (error) {
        this.node.logger.error('onExit threw', { pid: process.self, error });
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
          this.node.deliver(watcher, new DownMessage(ref, process.self, reason));
        }
      }
    }
    this.node.peer?.onExit(process, reason);
    this.node.dist?.onExit(process, reason);
    if (reason instanceof Crash) {
      this.node.logger.error(
        `crash report: ${process.self}${process.name ? ` (${process.name})` : ''} exited: ${reason.message}`,
        {
          pid: process.self,
          name: process.name ?? undefined,
          behaviour: process.behaviour?.kind ?? 'process',
          where: reason.where,
          messagesHandled: process.handled,
          scheduler: this.node.schedulerId,
          stack: reason.stack,
        },
      );
    } else if (!isNormalExit(reason) && reason !== 'killed') {
      this.node.logger.debug(`${process.self} exited: ${formatReason(reason)}`);
    }
    if (this.node.events.listenerCount('exit') > 0) {
      this.node.events.emit('exit', {
        pid: process.self,
        name: process.name,
        reason,
        messagesHandled: process.handled,
      });
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
}

/** Removes one watcher; a process watched only briefly (every GenServer during its start) keeps no empty map. */
function dropWatcher(target: Process, ref: Ref): void {
  const watchers = target.monitoredBy;
  if (watchers === null) return;
  watchers.delete(ref);
  if (watchers.size === 0) target.monitoredBy = null;
}
