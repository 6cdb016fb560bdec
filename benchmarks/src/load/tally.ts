/**
 * What a load run counted: every request sent ends as answered (and checked), failed (by
 * cause) or lost (no answer within the timeout). Nothing is sampled: each request is counted.
 */
import type { Operation } from './args';
import { LatencyHistogram, type LatencySummary } from './histogram';
import { ScheduleLag } from './schedule-lag';

export type FailureCause = 'mismatch' | 'status' | 'transport' | 'lost';

export interface Counts {
  sent: number;
  /** Answered, and the answer was right. */
  ok: number;
  failed: Record<FailureCause, number>;
  /** Open loop: requests not sent because too many were in flight (the generator's limit, not the server's). */
  dropped: number;
  /** Answers no request was waiting for (multiplexed transports). */
  strays: number;
  /** Lost requests whose answer came after all, past the timeout: slow, not dropped. */
  late: number;
}

export interface TimelinePoint {
  /** Seconds since the run started. */
  second: number;
  answered: number;
  p99Us: number;
}

export class Tally {
  readonly counts: Counts = {
    sent: 0,
    ok: 0,
    failed: { mismatch: 0, status: 0, transport: 0, lost: 0 },
    dropped: 0,
    strays: 0,
    late: 0,
  };
  readonly latency = new LatencyHistogram();
  /** Open loop: how late each arrival left against its schedule (the generator's own lag). */
  readonly schedule = new ScheduleLag();
  readonly byOperation = new Map<Operation, LatencyHistogram>();
  /** When set, answers count per class of their virtual user too (the soak: its transport, or churn). */
  classify: ((vu: number) => string) | undefined;
  readonly byClass = new Map<string, LatencyHistogram>();
  /** The current second's answers, for the timeline and the progress line. */
  private readonly window = new LatencyHistogram();
  readonly timeline: TimelinePoint[] = [];
  /** A few failure messages, to say what went wrong. */
  readonly samples: string[] = [];

  ok(op: Operation, us: number, vu?: number): void {
    this.counts.ok += 1;
    this.latency.record(us);
    this.window.record(us);
    let h = this.byOperation.get(op);
    if (h === undefined) this.byOperation.set(op, (h = new LatencyHistogram()));
    h.record(us);
    if (this.classify !== undefined && vu !== undefined) {
      const name = this.classify(vu);
      let c = this.byClass.get(name);
      if (c === undefined) this.byClass.set(name, (c = new LatencyHistogram()));
      c.record(us);
    }
  }

  fail(cause: FailureCause, message: string): void {
    this.counts.failed[cause] += 1;
    if (this.samples.length < 10) this.samples.push(`${cause}: ${message}`);
  }

  stray(answer: unknown): void {
    this.counts.strays += 1;
    this.fail('mismatch', `an answer no request waits for: ${JSON.stringify(answer).slice(0, 200)}`);
  }

  get failedTotal(): number {
    const f = this.counts.failed;
    return f.mismatch + f.status + f.transport + f.lost;
  }

  /** Closes the current second: its answers and p99 join the timeline. */
  tick(second: number): TimelinePoint {
    const point = { second, answered: this.window.count, p99Us: this.window.percentile(99) };
    this.timeline.push(point);
    this.window.reset();
    return point;
  }

  operations(): Record<string, LatencySummary> {
    return Object.fromEntries([...this.byOperation].map(([op, h]) => [op, h.summary()]));
  }

  classes(): Record<string, LatencySummary> {
    return Object.fromEntries([...this.byClass].map(([name, h]) => [name, h.summary()]));
  }
}
