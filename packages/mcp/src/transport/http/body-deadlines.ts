import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';

/** A request body that did not arrive in full within the allowed time. */
export class BodyTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Request Timeout: the body did not arrive within ${timeoutMs} ms`);
    this.name = 'BodyTimeoutError';
  }
}

/** The longest delay setTimeout takes; node turns a longer one into 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A body being watched: a node of the deadline list, handed back to unwatch it. */
export interface BodyWatch {
  readonly req: IncomingMessage;
  readonly at: number;
  readonly expire: (error: BodyTimeoutError) => void;
  prev: BodyWatch | undefined;
  next: BodyWatch | undefined;
  /** Off the list: unwatched or expired. */
  done: boolean;
}

/**
 * Deadlines for request bodies still streaming in. One timer serves them all, and since every
 * body gets the same allowance, insertion order is deadline order: the timer only ever looks
 * at the oldest entries. The watches form a doubly linked list threaded through the handles
 * watch() returns, so watching and unwatching a body (every POST does both) is a few field
 * writes, with no hashing of the request object (a Map keyed by IncomingMessage showed up at
 * 2% of a tools/call profile).
 */
export class BodyDeadlines {
  private head: BodyWatch | undefined;
  private tail: BodyWatch | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  watch(req: IncomingMessage, expire: (error: BodyTimeoutError) => void): BodyWatch {
    // A monotonic clock: the wall clock, stepped by NTP, would postpone or advance deadlines.
    const watch: BodyWatch = {
      req,
      at: performance.now() + this.timeoutMs,
      expire,
      prev: this.tail,
      next: undefined,
      done: false,
    };
    if (this.tail === undefined) this.head = watch;
    else this.tail.next = watch;
    this.tail = watch;
    if (this.timer === undefined) this.arm(this.timeoutMs);
    return watch;
  }

  unwatch(watch: BodyWatch | undefined): void {
    if (watch === undefined || watch.done) return;
    this.unlink(watch);
  }

  /** Stops the timer; bodies still watched are no longer cut off. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (let watch = this.head; watch !== undefined; watch = watch.next) watch.done = true;
    this.head = this.tail = undefined;
  }

  private unlink(watch: BodyWatch): void {
    watch.done = true;
    if (watch.prev === undefined) this.head = watch.next;
    else watch.prev.next = watch.next;
    if (watch.next === undefined) this.tail = watch.prev;
    else watch.next.prev = watch.prev;
    watch.prev = watch.next = undefined;
  }

  private arm(delay: number): void {
    // A longer deadline is swept early, finds itself still ahead, and waits again.
    this.timer = setTimeout(this.sweep, Math.min(Math.max(delay, 1), MAX_TIMER_MS));
    // The server's own handles keep the process alive; this timer alone must not.
    this.timer.unref();
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (let watch = this.head; watch !== undefined; watch = this.head) {
      if (watch.at > now) {
        this.arm(watch.at - now);
        return;
      }
      this.unlink(watch);
      // In a timer: one failing answer must neither escape nor stop the others.
      try {
        watch.expire(new BodyTimeoutError(this.timeoutMs));
      } catch {
        watch.req.destroy();
      }
    }
  };
}
