/**
 * Where a batcher reads time and sets its timers. The default reads
 * `performance.now()` and uses the batcher process's own timers (cancelled
 * with it); tests and simulations inject a `ManualClock` and move time by hand.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Calls `fire` once, `ms` from now; returns a handle for clearTimeout. */
  setTimeout(fire: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface ManualTimer {
  at: number;
  seq: number;
  fire: () => void;
}

/** A clock that only moves when told to: `advance(ms)` fires the timers that fall due, in order. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fire: () => void, ms: number): unknown {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fire };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    const i = this.timers.indexOf(handle as ManualTimer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing each timer due on the way at its own
   * time (a timer set by a fired one fires too if it falls within the step).
   */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers)
        if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      next.fire();
    }
    this.time = end;
  }
}
