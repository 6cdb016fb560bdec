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

interface Watch {
  at: number;
  expire: (error: BodyTimeoutError) => void;
}

/**
 * Deadlines for request bodies still streaming in. One timer serves them all, and since every
 * body gets the same allowance, insertion order is deadline order: the timer only ever looks
 * at the oldest entries. Watching and unwatching a body is a Map insert and delete, cheap
 * enough for every POST.
 */
export class BodyDeadlines {
  private readonly watches = new Map<IncomingMessage, Watch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  watch(req: IncomingMessage, expire: (error: BodyTimeoutError) => void): void {
    // A monotonic clock: the wall clock, stepped by NTP, would postpone or advance deadlines.
    this.watches.set(req, { at: performance.now() + this.timeoutMs, expire });
    if (this.timer === undefined) this.arm(this.timeoutMs);
  }

  unwatch(req: IncomingMessage): void {
    this.watches.delete(req);
  }

  /** Stops the timer; bodies still watched are no longer cut off. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.watches.clear();
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
    for (const [req, watch] of this.watches) {
      if (watch.at > now) {
        this.arm(watch.at - now);
        return;
      }
      this.watches.delete(req);
      // In a timer: one failing answer must neither escape nor stop the others.
      try {
        watch.expire(new BodyTimeoutError(this.timeoutMs));
      } catch {
        req.destroy();
      }
    }
  };
}
