import { CallExitError, CallTimeoutError } from './errors';
import { MAX_TIMEOUT_MS } from './long-timeout';
import type { Pid } from './pid';
import { Queue } from './queue';
import type { ExitReason } from './reason';

/** What a call is made to: a process, as far as its list of unanswered calls goes. */
export interface Callee {
  readonly self: Pid;
  /** Unanswered calls made to it: an intrusive list through From.next/prev. */
  calls: From | null;
}

/**
 * The `From` of a call: whoever holds it can reply once. A reply after the
 * caller's timeout, or after the server died, is dropped.
 */
export class From<R = unknown> {
  /** Set once replied, timed out or failed: later replies are dropped. */
  done = false;
  deadline = 0;
  /** Links in the callee's list of unanswered calls, so its exit can fail them in O(n). */
  next: From | null = null;
  prev: From | null = null;

  // Stored untyped so a From<R> can sit in lists of From<unknown>.
  private readonly resolveFn: (value: unknown) => void;

  constructor(
    resolve: (value: R) => void,
    private readonly rejectFn: (error: Error) => void,
    /** The process the call went to; null once detached. */
    public callee: Callee | null,
    /** The request the call carries: the From travels as the call message itself, saving an envelope (a custom behaviour reads it here). */
    readonly request: unknown = undefined,
  ) {
    this.resolveFn = resolve as (value: unknown) => void;
  }

  /** Runs once the call is settled (a remote call forgets its ref). */
  onSettle: ((from: From) => void) | null = null;

  /** The timeout lane this call waits in, if it has a timeout. */
  lane: { settled(from: From): void } | null = null;

  /** gen_server:reply(From, Reply). Returns false if the caller no longer waits. */
  reply(value: R): boolean {
    if (this.done) return false;
    this.settle();
    this.resolveFn(value);
    return true;
  }

  /** @internal */
  fail(error: Error): void {
    if (this.done) return;
    this.settle();
    this.rejectFn(error);
  }

  private settle(): void {
    this.done = true;
    if (this.callee !== null) detachCall(this);
    this.lane?.settled(this);
    if (this.onSettle !== null) this.onSettle(this);
  }
}

/** A call to a process on another scheduler: there is no local callee, so it names its target. */
export class RemoteFrom<R = unknown> extends From<R> {
  constructor(
    resolve: (value: R) => void,
    reject: (error: Error) => void,
    readonly target: Pid,
    request: unknown,
  ) {
    super(resolve, reject, null, request);
  }
}

function calleeName(from: From): string {
  if (from.callee !== null) return from.callee.self.toString();
  return from instanceof RemoteFrom ? from.target.toString() : 'a process that exited';
}

/** Adds `from` to the callee's list of unanswered calls. */
export function attachCall(callee: Callee, from: From): void {
  from.next = callee.calls;
  if (callee.calls !== null) callee.calls.prev = from;
  callee.calls = from;
}

function detachCall(from: From): void {
  const callee = from.callee!;
  if (from.prev !== null) from.prev.next = from.next;
  else callee.calls = from.next;
  if (from.next !== null) from.next.prev = from.prev;
  from.next = from.prev = null;
  from.callee = null;
}

/** Fails every call still waiting on a process that has exited. */
export function failPendingCalls(callee: Callee, reason: ExitReason): void {
  const target = callee.self.toString();
  while (callee.calls !== null) callee.calls.fail(new CallExitError(target, reason));
}

/**
 * Call timeouts without a Node timer per call. Calls with the same timeout
 * expire in the order they were made, so each timeout value keeps a FIFO of
 * pending calls and one timer armed for its head. Settled calls are dropped
 * from the head as they settle, and the FIFO is compacted if they pile up
 * behind a long-deferred one.
 */
export class CallTimeouts {
  private readonly lanes = new Map<number, Lane>();

  add(from: From, timeoutMs: number): void {
    let lane = this.last;
    if (lane === undefined || lane.timeoutMs !== timeoutMs) {
      lane = this.lanes.get(timeoutMs);
      if (lane === undefined) {
        lane = new Lane(timeoutMs);
        this.lanes.set(timeoutMs, lane);
      }
      this.last = lane;
    }
    lane.add(from);
  }

  /** Most calls use the default timeout: remember its lane. */
  private last: Lane | undefined;

  /** Clears every timer, for node stop. Pending calls stay pending. */
  clear(): void {
    for (const lane of this.lanes.values()) lane.clear();
    this.lanes.clear();
    this.last = undefined;
  }
}

class Lane {
  private readonly queue = new Queue<From>(64);
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  add(from: From): void {
    // The real clock, not a scheduler's coarse one: a caller awaiting another thread's reply
    // may not run its own scheduler for seconds, and a stale reading would expire calls early.
    from.deadline = performance.now() + this.timeoutMs;
    from.lane = this;
    this.queue.push(from);
    this.pending++;
    if (this.timer === undefined) this.arm(this.timeoutMs);
  }

  settled(from: From): void {
    this.pending--;
    // The timer is not cleared when the lane empties: a clearTimeout/setTimeout pair per
    // call would cost more than the call. It fires once, finds nothing, and is not re-armed.
    if (this.queue.peek() === from) {
      while (this.queue.length > 0 && this.queue.peek()!.done) this.queue.shift();
    } else if (this.queue.length > 1024 && this.queue.length > 4 * this.pending) {
      this.compact();
    }
  }

  clear(): void {
    this.disarm();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (let head = this.queue.peek(); head !== undefined; head = this.queue.peek()) {
      if (!head.done) {
        if (head.deadline > now) break;
        head.fail(new CallTimeoutError(calleeName(head), this.timeoutMs));
      }
      this.queue.shift();
    }
    const head = this.queue.peek();
    if (head !== undefined) this.arm(Math.max(1, head.deadline - now));
  };

  private arm(ms: number): void {
    // Longer than setTimeout holds: wake at its limit; expire re-arms for what is left.
    this.timer = setTimeout(this.expire, Math.min(Math.ceil(ms), MAX_TIMEOUT_MS));
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private compact(): void {
    const live = this.queue.toArray().filter((f) => !f.done);
    this.queue.clear();
    for (const f of live) this.queue.push(f);
  }
}
