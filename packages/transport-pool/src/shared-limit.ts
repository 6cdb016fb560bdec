/**
 * One `max` for the sub-pools of a pool started with `schedulers: 'all'` (a
 * sub-pool per scheduler thread): the count of connections open or opening on
 * every scheduler, in a SharedArrayBuffer that each sub-pool's process updates
 * with atomics. A connection is counted before its connect starts (take) and
 * uncounted when the pool forgets it (give), so the sum never passes max, even
 * when several schedulers grow at once.
 *
 * Layout (Int32): [0] the total; [1 + k] what sub-pool k holds of it, so that
 * a sub-pool restarted after a crash returns what its dead incarnation held.
 * Each sub-pool also publishes [1 + MAX_SCHEDULERS + k], how many of its idle
 * connections it could close (those above its min), which a sub-pool with
 * callers waiting at max reads to pick whom to ask for one.
 */
const MAX_SCHEDULERS = 64;
const TOTAL = 0;
const HELD = 1;
const IDLE = 1 + MAX_SCHEDULERS;

export function sharedLimitBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (1 + 2 * MAX_SCHEDULERS));
}

export class SharedLimit {
  private readonly words: Int32Array;

  constructor(
    buffer: SharedArrayBuffer,
    /** This sub-pool's scheduler. */
    readonly slot: number,
    readonly max: number,
  ) {
    if (slot < 0 || slot >= MAX_SCHEDULERS) throw new RangeError(`scheduler ${slot} is out of range`);
    this.words = new Int32Array(buffer);
  }

  /** Connections every sub-pool may still open. */
  room(): number {
    return this.max - Atomics.load(this.words, TOTAL);
  }

  /** Counts one more connection if that keeps the total within max. */
  take(): boolean {
    for (;;) {
      const total = Atomics.load(this.words, TOTAL);
      if (total >= this.max) return false;
      if (Atomics.compareExchange(this.words, TOTAL, total, total + 1) === total) {
        Atomics.add(this.words, HELD + this.slot, 1);
        return true;
      }
    }
  }

  give(): void {
    Atomics.sub(this.words, HELD + this.slot, 1);
    Atomics.sub(this.words, TOTAL, 1);
  }

  /** Returns whatever this slot still holds (a previous incarnation's connections died with it). */
  reset(): void {
    const held = Atomics.exchange(this.words, HELD + this.slot, 0);
    if (held !== 0) Atomics.sub(this.words, TOTAL, held);
    Atomics.store(this.words, IDLE + this.slot, 0);
  }

  total(): number {
    return Atomics.load(this.words, TOTAL);
  }

  publishIdle(idle: number): void {
    Atomics.store(this.words, IDLE + this.slot, idle);
  }

  /** The other scheduler (below `schedulers`) with the most idle connections to spare, or -1 if none has any. */
  mostIdle(schedulers: number): number {
    let best = -1;
    let most = 0;
    for (let k = 0; k < schedulers; k++) {
      if (k === this.slot) continue;
      const idle = Atomics.load(this.words, IDLE + k);
      if (idle > most) {
        most = idle;
        best = k;
      }
    }
    return best;
  }
}
