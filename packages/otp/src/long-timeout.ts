/**
 * Node's setTimeout takes a signed 32-bit delay: anything longer (about 24.8
 * days) is fired after 1 ms with a warning. Erlang's timers go beyond that
 * (send_after takes up to 2^32-1 ms, `after` and call timeouts more), so the
 * runtime's timers go through here: a longer delay is a chain of shorter ones.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

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
    this.handle = left > MAX_TIMEOUT_MS ? setTimeout(this.step, MAX_TIMEOUT_MS) : setTimeout(this.fn, Math.max(0, left));
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
