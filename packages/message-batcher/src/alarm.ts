/**
 * An alarm: wakes the batcher process by the earliest deadline it was given,
 * with one timer at a time. The process keeps two, one for the batches'
 * windows and one for the sink's timeouts; each deadline it is told of either
 * is later than the one set (nothing to do) or replaces it.
 *
 * A deadline already here (within SLACK_MS) is not a timer but a Wake posted to
 * the process, handled after the messages in its mailbox now (a window of 0).
 * A timer's Wake carries a token, so one that fires after it was replaced is
 * dropped.
 */
import type { ProcessClock } from './process-clock';

/** Timer fires up to this early (Node's timer clock is per loop turn) still count as due. */
export const SLACK_MS = 0.25;

/** The alarm's message to the process. */
export class Wake {
  constructor(
    readonly alarm: Alarm,
    readonly token: number,
  ) {}
}

/** The token of a Wake posted for a deadline already here (never stale). */
const NOW = -1;

export class Alarm {
  private at = Infinity;
  private timer: unknown = undefined;
  private token = 0;
  private posted = false;
  private readonly now = new Wake(this, NOW);

  constructor(private readonly clock: ProcessClock<Wake>) {}

  /** Makes sure the process is woken by `deadline`. */
  set(deadline: number): void {
    if (deadline >= this.at || deadline === Infinity) return;
    const delay = deadline - this.clock.now();
    if (delay <= SLACK_MS) {
      if (!this.posted) {
        this.posted = true;
        this.clock.post(this.now);
      }
      return;
    }
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.at = deadline;
    this.timer = this.clock.set(delay, new Wake(this, ++this.token));
  }

  /** A Wake of this alarm arrived: true unless it is stale (the process then checks its deadlines). */
  woken(wake: Wake): boolean {
    if (wake.token === NOW) {
      this.posted = false;
      return true;
    }
    if (wake.token !== this.token) return false;
    this.at = Infinity;
    this.timer = undefined;
    return true;
  }

  cancel(): void {
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = undefined;
  }
}
