/**
 * "Seen twice?" counters shared by every thread: a table of saturating 8-bit
 * counts in a SharedArrayBuffer, indexed by a value's hash. Two values that
 * share a slot count together, so a value may pass as repeated a little
 * early: the cost is storing it shared once when inline would have done.
 * Plain (non-atomic) increments: a lost one only delays the verdict.
 */
export const SKETCH_SLOTS = 1 << 16;

export class SeenSketch {
  private readonly counts: Uint8Array;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.counts = new Uint8Array(buffer, byteOffset, SKETCH_SLOTS);
  }

  /** Counts one more sighting of the value with hash `h`; returns how many there have been (at most 255). */
  see(h: number): number {
    const i = h & (SKETCH_SLOTS - 1);
    const c = this.counts[i]!;
    if (c < 255) this.counts[i] = c + 1;
    return c + 1;
  }

  static readonly bytes = SKETCH_SLOTS;
}
