/**
 * The batcher process's time and its messages to itself: the injected Clock
 * when there is one (its timers post to the process), else performance.now()
 * and the process's own timers (ctx.sendAfter, cancelled when it exits).
 */
import { GenServer, type ProcessContext, type Ref } from '@erlmcp/otp';
import type { Clock } from './clock';

export class ProcessClock<M> {
  constructor(
    private readonly clock: Clock | undefined,
    private readonly ctx: ProcessContext,
  ) {}

  now(): number {
    return this.clock === undefined ? performance.now() : this.clock.now();
  }

  /** Sends `message` to the process in `ms`; returns a handle for cancel. */
  set(ms: number, message: M): unknown {
    if (this.clock !== undefined) return this.clock.setTimeout(() => this.post(message), ms);
    return this.ctx.sendAfter(Math.ceil(ms), message);
  }

  cancel(handle: unknown): void {
    if (this.clock !== undefined) this.clock.clearTimeout(handle);
    else this.ctx.cancelTimer(handle as Ref);
  }

  /**
   * A message to the process from outside its callbacks (a promise callback, a timer), never
   * from within one: when the process is idle it is handled right here, as the process.
   * Dropped if the process has exited (the handle has failed what it held).
   */
  post(message: M): void {
    try {
      GenServer.castInline(this.ctx.self, message);
    } catch {
      // The node has stopped.
    }
  }
}
