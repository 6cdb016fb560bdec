/**
 * A statem's three kinds of timeout. Each running timer has a token; the message a
 * timer sends carries it, and a message whose token is no longer current is stale (the
 * timer was cancelled or restarted after it fired) and is dropped, as gen_statem drops a
 * timeout message whose timer ref it no longer holds.
 */
import type { ProcessContext } from './context';
import type { StatemTimers } from './gen-statem-types';

/** The message a timer sends to its statem. */
export class TimeoutFired {
  constructor(
    readonly key: string,
    readonly token: number,
    readonly kind: 'timeout' | 'state_timeout' | 'generic_timeout',
    readonly name: string | undefined,
    readonly message: unknown,
  ) {}
}

interface Running {
  token: number;
  handle: unknown;
  /** A 0 ms timeout is enqueued at once, with no timer. */
  queued: boolean;
}

export class StatemTimeouts {
  private readonly running = new Map<string, Running>();
  private token = 0;
  /** Read on every event, which cancels the event timeout: cheaper than a lookup. */
  eventTimeoutRunning = false;

  constructor(
    private readonly timers: StatemTimers | undefined,
    private readonly ctx: ProcessContext,
  ) {}

  static keyOf(kind: 'timeout' | 'state_timeout' | 'generic_timeout', name: string | undefined): string {
    return kind === 'generic_timeout' ? `{timeout,${name}}` : kind;
  }

  /** Starts (or restarts) a timer; Infinity cancels it. */
  set(
    kind: 'timeout' | 'state_timeout' | 'generic_timeout',
    name: string | undefined,
    ms: number,
    message: unknown,
  ): void {
    const key = StatemTimeouts.keyOf(kind, name);
    this.cancel(key);
    if (ms === Infinity) return;
    const token = ++this.token;
    if (key === 'timeout') this.eventTimeoutRunning = true;
    const fired = new TimeoutFired(key, token, kind, name, message);
    const ctx = this.ctx;
    if (ms === 0) {
      // As gen_statem: a 0 timeout is enqueued now, after what the mailbox holds already.
      ctx.send(ctx.self, fired);
      this.running.set(key, { token, handle: undefined, queued: true });
      return;
    }
    const handle =
      this.timers === undefined ? ctx.sendAfter(ms, fired) : this.timers.start(ms, () => ctx.send(ctx.self, fired));
    this.running.set(key, { token, handle, queued: false });
  }

  cancel(key: string): void {
    const running = this.running.get(key);
    if (running === undefined) return;
    this.running.delete(key);
    if (key === 'timeout') this.eventTimeoutRunning = false;
    if (running.queued) return;
    if (this.timers === undefined) this.ctx.cancelTimer(running.handle as never);
    else this.timers.cancel(running.handle);
  }

  has(key: string): boolean {
    return this.running.has(key);
  }

  /** True if `fired` is the current timer of its key, which then stops running. */
  take(fired: TimeoutFired): boolean {
    const running = this.running.get(fired.key);
    if (running === undefined || running.token !== fired.token) return false;
    this.running.delete(fired.key);
    if (fired.key === 'timeout') this.eventTimeoutRunning = false;
    return true;
  }

  cancelAll(): void {
    for (const key of [...this.running.keys()]) this.cancel(key);
  }
}
