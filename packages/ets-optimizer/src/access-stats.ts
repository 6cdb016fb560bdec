/**
 * What readers record for the hot/cold policy and the hit rates, in one
 * SharedArrayBuffer every thread writes:
 *
 *   pass word     the maintenance pass number (the clock of ages)
 *   last[slot]    the pass in which a key of this slot was last read (16 bits)
 *   freq[slot]    reads since the slot was last demoted or decayed (8 bits,
 *                 saturating, halved by every pass)
 *   counters      per thread slot (threadId mod 64, a cache line each):
 *                 hot hits, cold hits, misses, promotions, demotions
 *
 * Slots are a key's shard hash folded to 2^18: keys that share a slot share
 * their age and frequency (an approximation the policy tolerates: a cold key
 * may be promoted a read early, a hot one kept a pass longer).
 */
import { threadId } from 'node:worker_threads';

const SLOTS = 1 << 18;
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

export class AccessStats {
  readonly buffer: SharedArrayBuffer;
  private readonly ctl: Int32Array;
  private readonly counters: Int32Array;
  private readonly last: Uint16Array;
  private readonly freq: Uint8Array;
  private readonly line: number;

  constructor(buffer?: SharedArrayBuffer) {
    const counterBytes = THREAD_SLOTS * LINE_WORDS * 4;
    this.buffer = buffer ?? new SharedArrayBuffer(HEADER_WORDS * 4 + counterBytes + SLOTS * 2 + SLOTS);
    this.ctl = new Int32Array(this.buffer, 0, HEADER_WORDS);
    this.counters = new Int32Array(this.buffer, HEADER_WORDS * 4, THREAD_SLOTS * LINE_WORDS);
    this.last = new Uint16Array(this.buffer, HEADER_WORDS * 4 + counterBytes, SLOTS);
    this.freq = new Uint8Array(this.buffer, HEADER_WORDS * 4 + counterBytes + SLOTS * 2, SLOTS);
    this.line = (threadId % THREAD_SLOTS) * LINE_WORDS;
  }

  get pass(): number {
    return Atomics.load(this.ctl, W_PASS);
  }

  /** Records a read of the key with shard hash `h`; returns its frequency. */
  read(h: number): number {
    const slot = (h >>> 7) & (SLOTS - 1);
    this.last[slot] = this.ctl[W_PASS]! & 0xffff;
    const f = this.freq[slot]!;
    if (f < 255) this.freq[slot] = f + 1;
    return f + 1;
  }

  /** Passes since the key with shard hash `h` was last read (0: in this pass). */
  age(h: number): number {
    const slot = (h >>> 7) & (SLOTS - 1);
    return ((this.ctl[W_PASS]! & 0xffff) - this.last[slot]! + 0x10000) & 0xffff;
  }

  frequency(h: number): number {
    return this.freq[(h >>> 7) & (SLOTS - 1)]!;
  }

  /** Forgets the frequency of the key's slot (after its demotion). */
  cool(h: number): void {
    this.freq[(h >>> 7) & (SLOTS - 1)] = 0;
  }

  count(what: number, n = 1): void {
    Atomics.add(this.counters, this.line + what, n);
  }

  /** Starts a pass: the clock moves and every frequency halves. */
  nextPass(): number {
    const f = this.freq;
    for (let i = 0; i < SLOTS; i++) f[i] = f[i]! >>> 1;
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
    return { hotHits, coldHits, misses: sum(MISS), promotions: sum(PROMOTED), demotions: sum(DEMOTED), hotHitRate: hotHits / (hotHits + coldHits) };
  }
}
