import type { StatemTimers } from '@erlmcp/otp';

/**
 * A clock the test moves by hand, for a statem's timeouts: advance(ms) fires what falls
 * due, earliest first (ties in the order they were set). No real time passes.
 */
export class ManualClock implements StatemTimers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; seq: number; fire: () => void }>();

  start(ms: number, fire: () => void): unknown {
    const seq = ++this.seq;
    this.pending.set(seq, { at: this.now + ms, seq, fire });
    return seq;
  }

  cancel(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get armed(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending.values()]
        .filter((t) => t.at <= until)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.pending.delete(due.seq);
      this.now = due.at;
      due.fire();
    }
    this.now = until;
  }
}
