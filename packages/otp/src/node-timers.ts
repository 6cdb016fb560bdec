import type { ClusterService } from './cluster-service';
import { schedulerOf } from './cluster/remote';
import { BadArgError } from './errors';
import { clearTimer, setTimer, type Timer } from './long-timeout';
import { Pid, Ref } from './pid';
import type { Process } from './process';

/** What the timers need of their node. */
export interface TimerHost {
  readonly id: number;
  readonly schedulerId: number;
  readonly peer: ClusterService | null;
  makeRef(): Ref;
  isLocal(pid: Pid): boolean;
  lookupId(id: number): Process | undefined;
  route(target: Pid | string): Process | Pid | undefined;
  send(to: Pid | string, message: unknown): void;
  remote(): ClusterService;
}

interface TimerEntry {
  handle: Timer;
  due: number;
  /** The local process it is for, when addressed by pid: its exit cancels the timer. */
  owner: Process | undefined;
}

/**
 * A node's timers: erlang:send_after and cancel_timer. A timer lives on the scheduler that
 * set it (its ref carries that scheduler); one addressed to a local pid goes with its process.
 */
export class NodeTimers {
  private readonly timers = new Map<number, TimerEntry>();
  /** Timers addressed to a local pid, by that process: cancelled when it exits. */
  private readonly timersOf = new Map<Process, Set<number>>();

  constructor(private readonly node: TimerHost) {}

  /** erlang:send_after/3. The timer is gone once it fires or is cancelled. */
  sendAfter(ms: number, to: Pid | string, message: unknown): Ref {
    if (message === undefined) throw new BadArgError('cannot send undefined');
    // erlang:send_after's badarg: a negative, NaN or infinite time is a mistake, not "at once".
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
      throw new BadArgError(`sendAfter: expected a time in ms >= 0, got ${String(ms)}`);
    const node = this.node;
    const ref = node.makeRef();
    // As erlang:send_after: a timer for a pid is cancelled when that process is not alive, so
    // a process that dies does not leave its timers holding the event loop open.
    const owner = to instanceof Pid && node.isLocal(to) ? node.lookupId(to.id) : undefined;
    if (to instanceof Pid && node.isLocal(to) && owner === undefined) return ref;
    const handle = setTimer(() => {
      this.forget(ref.id);
      // A name is resolved when the timer fires, as in Erlang; a name nobody holds by then is dropped.
      if (node.route(to) !== undefined) node.send(to, message);
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
   * this returns false, meaning "not known here" (cancelAsync gives that scheduler's answer).
   */
  cancel(ref: Ref): number | false {
    const k = this.schedulerOfTimer(ref);
    if (k === this.node.schedulerId) return this.cancelLocal(ref.id);
    if (k !== undefined) void this.node.remote().cancelTimer(k, ref.id);
    return false;
  }

  /** erlang:cancel_timer/2 with {async, true}, as a promise: works for a timer set on any scheduler. */
  cancelAsync(ref: Ref): Promise<number | false> {
    const k = this.schedulerOfTimer(ref);
    if (k === this.node.schedulerId) return Promise.resolve(this.cancelLocal(ref.id));
    return k === undefined ? Promise.resolve(false) : this.node.remote().cancelTimer(k, ref.id);
  }

  /** The scheduler that owns the timer `ref` names (a ref carries it in its id); undefined if none of this node's. */
  private schedulerOfTimer(ref: Ref): number | undefined {
    if (!(ref instanceof Ref)) throw new BadArgError(`cancelTimer: expected a timer ref, got ${String(ref)}`);
    if (ref.node !== this.node.id) return undefined;
    const k = schedulerOf(ref.id);
    if (k === this.node.schedulerId) return k;
    const peer = this.node.peer;
    return peer !== null && k < peer.schedulers ? k : undefined;
  }

  /** Cancels a timer set on this scheduler, by its ref id. */
  cancelLocal(id: number): number | false {
    const entry = this.timers.get(id);
    if (entry === undefined) return false;
    clearTimer(entry.handle);
    this.forget(id);
    return Math.max(0, Math.round(entry.due - performance.now()));
  }

  private forget(id: number): void {
    const owner = this.timers.get(id)?.owner;
    this.timers.delete(id);
    if (owner === undefined) return;
    const refs = this.timersOf.get(owner)!;
    refs.delete(id);
    if (refs.size === 0) this.timersOf.delete(owner);
  }

  /** Cancels the timers addressed to a process that has exited. */
  cancelTimersOf(process: Process): void {
    if (this.timersOf.size === 0) return;
    const refs = this.timersOf.get(process);
    if (refs === undefined) return;
    this.timersOf.delete(process);
    for (const id of refs) {
      clearTimer(this.timers.get(id)!.handle);
      this.timers.delete(id);
    }
  }

  /** Clears every timer (the node is stopping). */
  clear(): void {
    for (const entry of this.timers.values()) clearTimer(entry.handle);
    this.timers.clear();
    this.timersOf.clear();
  }
}
