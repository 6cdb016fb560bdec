/**
 * OTP's restart intensity: at most `intensity` restarts within `period`
 * seconds. One more and the supervisor gives up.
 */
export class RestartIntensity {
  private readonly stamps: number[] = [];

  constructor(
    readonly intensity: number,
    readonly periodSeconds: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records a restart; false when it exceeds the intensity. */
  add(): boolean {
    const now = this.now();
    const horizon = now - this.periodSeconds * 1000;
    while (this.stamps.length > 0 && this.stamps[0]! <= horizon) this.stamps.shift();
    this.stamps.push(now);
    return this.stamps.length <= this.intensity;
  }

  get recent(): number {
    return this.stamps.length;
  }
}
