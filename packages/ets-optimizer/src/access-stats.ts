/**
 * What readers record for the hot/cold policy and the hit rates, in one
 * SharedArrayBuffer every thread writes:
 *
 *   pass word     the maintenance pass number (the clock of ages)
 *   last[slot]    the pass in which a key of this slot was last read (16 bits)
 *   freq          reads of a key, as a count-min sketch: two rows of 8-bit
 *                 saturating counters, each indexed by its own bits of the
 *                 key's hash; a key's count is the smaller of its two
 *                 (halved by every pass)
 *   counters      per thread slot (threadId mod 64, a cache line each):
 *                 hot hits, cold hits, misses, promotions, demotions
 *
 * Slots are a key's shard hash folded to 2^19: a key's count is only
 * overstated when both its slots are shared with keys read too (then a cold
 * key may be promoted a read early), and keys that share a `last` slot
 * share their age (a hot one may be kept a pass longer).
 */
import { threadId } from 'node:worker_threads';

const SLOTS = 1 << 19;
const THREAD_SLOTS = 64;
const LINE_WORDS = 16;
const HEADER_WORDS = 16;
const W_PASS = 0;

export const HOT_HIT = 0;
export const COLD_HIT = 1;
export const MISS = 2;
export const PROMOTED = 3;
export const DEMOTED = 4;

export interface HitRates {
  hotHits: number;
  coldHits: number;
  misses: number;
  promotions: number;
  demotions: number;
  /** hot hits / (hot + cold hits); NaN before any hit. */
  hotHitRate: number;
}

/** The second row's slot: the hash's other bits, mixed (the shard took the low ones, the first row bits 7-25). */
function second(h: number): number {
  return (Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 13) & (SLOTS - 1);
}

export class AccessStats {
  readonly buffer: SharedArrayBuffer;
  private readonly ctl: Int32Array;
  private readonly counters: Int32Array;
  private readonly last: Uint16Array;
  private readonly freq: Uint8Array;
  private readonly freq2: Uint8Array;
  private readonly line: number;

  constructor(buffer?: SharedArrayBuffer) {
    const counterBytes = THREAD_SLOTS * LINE_WORDS * 4;
    this.buffer = buffer ?? new SharedArrayBuffer(HEADER_WORDS * 4 + counterBytes + SLOTS * 2 + 2 * SLOTS);
    this.ctl = new Int32Array(this.buffer, 0, HEADER_WORDS);
    this.counters = new Int32Array(this.buffer, HEADER_WORDS * 4, THREAD_SLOTS * LINE_WORDS);
    this.last = new Uint16Array(this.buffer, HEADER_WORDS * 4 + counterBytes, SLOTS);
    this.freq = new Uint8Array(this.buffer, HEADER_WORDS * 4 + counterBytes + SLOTS * 2, SLOTS);
    this.freq2 = new Uint8Array(this.buffer, HEADER_WORDS * 4 + counterBytes + SLOTS * 3, SLOTS);
    this.line = (threadId % THREAD_SLOTS) * LINE_WORDS;
  }

  get pass(): number {
    return Atomics.load(this.ctl, W_PASS);
  }

  /** Records a read of the key with shard hash `h`; returns its frequency. */
  read(h: number): number {
    const slot = (h >>> 7) & (SLOTS - 1);
    const slot2 = second(h);
    this.last[slot] = this.ctl[W_PASS]! & 0xffff;
    const f = this.freq[slot]!;
    const f2 = this.freq2[slot2]!;
    if (f < 255) this.freq[slot] = f + 1;
    if (f2 < 255) this.freq2[slot2] = f2 + 1;
    return Math.min(f, f2) + 1;
  }

  /** Passes since the key with shard hash `h` was last read (0: in this pass). */
  age(h: number): number {
    const slot = (h >>> 7) & (SLOTS - 1);
    return ((this.ctl[W_PASS]! & 0xffff) - this.last[slot]! + 0x10000) & 0xffff;
  }

  frequency(h: number): number {
    return Math.min(this.freq[(h >>> 7) & (SLOTS - 1)]!, this.freq2[second(h)]!);
  }

  /** Forgets the frequency of the key's slots (after its demotion). */
  cool(h: number): void {
    this.freq[(h >>> 7) & (SLOTS - 1)] = 0;
    this.freq2[second(h)] = 0;
  }

  count(what: number, n = 1): void {
    Atomics.add(this.counters, this.line + what, n);
  }

  /** Starts a pass: the clock moves and every frequency halves. */
  nextPass(): number {
    for (const f of [this.freq, this.freq2]) for (let i = 0; i < SLOTS; i++) f[i] = f[i]! >>> 1;
    return Atomics.add(this.ctl, W_PASS, 1) + 1;
  }

  rates(): HitRates {
    const sum = (what: number): number => {
      let n = 0;
      for (let t = 0; t < THREAD_SLOTS; t++) n += Atomics.load(this.counters, t * LINE_WORDS + what);
      return n;
    };
    const hotHits = sum(HOT_HIT);
    const coldHits = sum(COLD_HIT);
    return {
      hotHits,
      coldHits,
      misses: sum(MISS),
      promotions: sum(PROMOTED),
      demotions: sum(DEMOTED),
      hotHitRate: hotHits / (hotHits + coldHits),
    };
  }
}
