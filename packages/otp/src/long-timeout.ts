/**
 * Node's setTimeout takes a signed 32-bit delay: anything longer (about 24.8
 * days) is fired after 1 ms with a warning. Erlang's timers go beyond that
 * (send_after takes up to 2^32-1 ms, `after` and call timeouts more), so the
 * runtime's timers go through here: a longer delay is a chain of shorter ones.
 */
import { BadArgError } from './errors';

export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * badarg unless `ms` is a timeout: a number of ms >= 0, or Infinity. NaN or a negative
 * would otherwise fire at once (setTimeout's reading), which Erlang refuses as well.
 */
export function checkTimeout(what: string, ms: unknown): asserts ms is number {
  if (typeof ms !== 'number' || !(ms >= 0)) throw badTimeout(what, ms);
}

export function badTimeout(what: string, ms: unknown): BadArgError {
  return new BadArgError(
    `${what}: a timeout is a number of ms >= 0 or Infinity, got ${typeof ms === 'number' ? String(ms) : typeof ms}`,
  );
}

/** A timer longer than setTimeout can hold: re-armed until its deadline. */
class LongTimeout {
  private handle: NodeJS.Timeout;
  private readonly due: number;

  constructor(
    private readonly fn: () => void,
    ms: number,
  ) {
    this.due = performance.now() + ms;
    this.handle = setTimeout(this.step, MAX_TIMEOUT_MS);
  }

  clear(): void {
    clearTimeout(this.handle);
  }

  private readonly step = (): void => {
    const left = this.due - performance.now();
    this.handle =
      left > MAX_TIMEOUT_MS ? setTimeout(this.step, MAX_TIMEOUT_MS) : setTimeout(this.fn, Math.max(0, left));
  };
}

export type Timer = NodeJS.Timeout | LongTimeout;

/** setTimeout without the 32-bit limit; cancel with {@link clearTimer}. */
export function setTimer(fn: () => void, ms: number): Timer {
  return ms > MAX_TIMEOUT_MS ? new LongTimeout(fn, ms) : setTimeout(fn, ms);
}

export function clearTimer(timer: Timer | undefined): void {
  if (timer instanceof LongTimeout) timer.clear();
  else clearTimeout(timer);
}
