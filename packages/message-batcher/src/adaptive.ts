/**
 * The `adaptive` strategy's controller: from the measured arrival rate and
 * sink latency it picks, for each batch it opens, a window and a size.
 *
 * Model. Items arrive at rate λ (items/ms, an exponentially weighted mean over
 * short sampling intervals). The sink takes L(n) = a + b·n ms for n items,
 * fitted by exponentially weighted least squares over finished batches. A
 * batch opened now and kept open W ms gathers about 1 + λW items; its first
 * item waits W, and the batch's size costs each of its items b·λW more at the
 * sink than a batch of one would. Keeping W + b·λW within the budget T
 * (`targetLatencyMs`) gives W = T / (1 + bλ), and the size is the λW items
 * that window gathers, capped at maxItems. When fewer than one companion is
 * expected in the window (λW < 1) waiting buys nothing, and the window is 0:
 * the batch leaves with what is in the mailbox now.
 *
 * The process adds slot awareness: a batch that is ripe (size reached or
 * window over) leaves only when a sink slot is free (`maxInFlight`); while it
 * waits for one it keeps growing up to maxItems, since its items wait anyway.
 */
const RATE_ALPHA = 0.3;
const LATENCY_DECAY = 0.9;

export interface AdaptiveChoice {
  windowMs: number;
  size: number;
}

export class AdaptivePolicy {
  /** Items per ms. */
  private rate = 0;
  private sampleStart: number | undefined = undefined;
  private sampled = 0;
  /** Exponentially weighted sums for the fit of L(n) = a + b·n. */
  private sw = 0;
  private sn = 0;
  private sl = 0;
  private snn = 0;
  private snl = 0;

  constructor(
    private readonly targetMs: number,
    private readonly maxItems: number,
    /** Length of one rate sample: a fraction of the budget, at least 1 ms. */
    private readonly sampleMs = Math.max(1, targetMs / 4),
  ) {}

  /** `n` items arrived at `at`. */
  arrived(n: number, at: number): void {
    if (this.sampleStart === undefined) {
      this.sampleStart = at;
      this.sampled = n;
      return;
    }
    const dt = at - this.sampleStart;
    if (dt < this.sampleMs) {
      this.sampled += n;
      return;
    }
    // The items of this arrival belong to the next sample: the past one spans [start, at).
    const observed = this.sampled / dt;
    // After a silence longer than a few samples the old rate says nothing: take the new one whole.
    this.rate = dt > 4 * this.sampleMs ? observed : RATE_ALPHA * observed + (1 - RATE_ALPHA) * this.rate;
    this.sampleStart = at;
    this.sampled = n;
  }

  /** A batch of `n` items took `ms` at the sink. */
  finished(n: number, ms: number): void {
    const d = LATENCY_DECAY;
    this.sw = d * this.sw + 1;
    this.sn = d * this.sn + n;
    this.sl = d * this.sl + ms;
    this.snn = d * this.snn + n * n;
    this.snl = d * this.snl + n * ms;
  }

  /** ms per item at the sink beyond its fixed cost (b of L(n) = a + b·n); 0 until batch sizes have varied. */
  get perItemMs(): number {
    const denominator = this.sw * this.snn - this.sn * this.sn;
    if (!(denominator > 1e-9 * this.sw * this.snn)) return 0;
    return Math.max(0, (this.sw * this.snl - this.sn * this.sl) / denominator);
  }

  /** Mean sink latency, ms (0 before the first batch). */
  get latencyMs(): number {
    return this.sw === 0 ? 0 : this.sl / this.sw;
  }

  get arrivalRate(): number {
    return this.rate;
  }

  choose(): AdaptiveChoice {
    const lambda = this.rate;
    const window = this.targetMs / (1 + this.perItemMs * lambda);
    const expected = lambda * window;
    if (!(expected >= 1)) return { windowMs: 0, size: 1 };
    return { windowMs: window, size: Math.max(1, Math.min(this.maxItems, Math.floor(1 + expected))) };
  }
}
