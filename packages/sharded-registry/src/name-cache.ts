/**
 * A thread's whereis cache: string name -> the registration found, with the
 * shard it was read from and that shard's table version then.
 *
 * Why not a Map<string, object>: a lookup key is usually built just before
 * the lookup, so a Map must call into the runtime to hash the fresh string,
 * and the validating fields then sit in a second object (a dependent read).
 * Here the hash is computed in JS over the char codes, and a slot of the
 * Int32Array below holds [hash, entry index + 1, shard, version] (16 bytes,
 * one cache line); entries holds [name, registration] pairs side by side,
 * so the key compare and the value share a line. Measured in one process,
 * alternating with the Map cache it replaced over 100,000 names `name:<i>`
 * (keys built per lookup, stride 7919; 2 shared cores, load ~1.1): median
 * hit rate 1.25x, 1.54x and 1.46x the Map cache's, 1.08x to 1.28x a bare
 * Map get of the same keys.
 *
 * Open addressing with linear probing and no deletion: a stale entry is
 * overwritten in place when its name is found again, and the table is
 * emptied when it holds `limit` names or when the placement epoch changes
 * (so every entry was cached under `epoch`). With no deletion there are no
 * tombstones: a probe ends at the first empty slot.
 */
import { C_EPOCH, versionWord } from './layout';

const HASH = 0;
const ENTRY = 1;
const SHARD = 2;
const VERSION = 3;
/** Int32 words per slot. */
const WORDS = 4;

/** FNV-1a over UTF-16 code units, with a final mix so the low bits (the slot index) depend on every char. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

function slotsFor(limit: number, minSlots: number): number {
  let n = minSlots;
  while (n < limit * 2) n *= 2;
  return n;
}

export class NameCache<V> {
  /** At most this many names; the table is emptied when one more would be added. */
  readonly limit: number;
  private readonly maxSlots: number;
  private slots: Int32Array;
  /** Slot count - 1 (a power of two less one). */
  private mask: number;
  /** entries[2e] is entry e's name, entries[2e + 1] its value. */
  private entries: (string | V)[] = [];
  private count = 0;
  /** The placement epoch every entry was cached under. */
  private epoch = 0;

  /** `minSlots` (a power of two) is small in tests, so that names share slots and probe. */
  constructor(limit: number, minSlots = 64) {
    this.limit = limit;
    this.maxSlots = slotsFor(limit, minSlots);
    this.slots = new Int32Array(minSlots * WORDS);
    this.mask = minSlots - 1;
  }

  get size(): number {
    return this.count;
  }

  /**
   * The word offset of `name`'s slot while its entry is still valid (the
   * epoch and its shard's version unchanged since it was cached), else -1.
   */
  fresh(name: string, ctl: Int32Array): number {
    if (Atomics.load(ctl, C_EPOCH) !== this.epoch) return -1;
    const at = this.find(name);
    if (at < 0) return -1;
    return Atomics.load(ctl, versionWord(this.slots[at + SHARD]!)) === this.slots[at + VERSION] ? at : -1;
  }

  /** The shard of the entry at `at` (from `fresh`). */
  shardAt(at: number): number {
    return this.slots[at + SHARD]!;
  }

  /** The value of the entry at `at` (from `find` or `fresh`). */
  valueAt(at: number): V {
    return this.entries[2 * (this.slots[at + ENTRY]! - 1) + 1] as V;
  }

  /** The word offset of `name`'s slot, valid or not, else -1. */
  find(name: string): number {
    const slots = this.slots;
    const words = (this.mask << 2) | 3;
    const hash = nameHash(name);
    for (let at = (hash << 2) & words; ; at = (at + WORDS) & words) {
      const entry = slots[at + ENTRY]!;
      if (entry === 0) return -1;
      if (slots[at + HASH] === hash && this.entries[2 * (entry - 1)] === name) return at;
    }
  }

  /** Caches `value` for `name`, read from `shard` at table version `version` under placement epoch `epoch`. */
  set(name: string, value: V, shard: number, version: number, epoch: number): void {
    if (this.limit === 0) return;
    if (epoch !== this.epoch) {
      this.clear();
      this.epoch = epoch;
    }
    const hash = nameHash(name);
    let at = this.probe(name, hash);
    let entry = this.slots[at + ENTRY]!;
    if (entry === 0) {
      if (this.count >= this.limit) this.clear();
      else if ((this.count + 1) * 2 > this.mask + 1 && this.mask + 1 < this.maxSlots) this.grow();
      at = this.probe(name, hash);
      entry = ++this.count;
      this.slots[at + HASH] = hash;
      this.slots[at + ENTRY] = entry;
      this.entries.push(name, value);
    } else {
      this.entries[2 * (entry - 1) + 1] = value;
    }
    this.slots[at + SHARD] = shard;
    this.slots[at + VERSION] = version;
  }

  clear(): void {
    if (this.count === 0) return;
    this.slots.fill(0);
    this.entries = [];
    this.count = 0;
  }

  /** The slot holding `name`, or the empty slot where it would go. */
  private probe(name: string, hash: number): number {
    const slots = this.slots;
    const words = (this.mask << 2) | 3;
    for (let at = (hash << 2) & words; ; at = (at + WORDS) & words) {
      const entry = slots[at + ENTRY]!;
      if (entry === 0 || (slots[at + HASH] === hash && this.entries[2 * (entry - 1)] === name)) return at;
    }
  }

  private grow(): void {
    const old = this.slots;
    const slots = (this.mask + 1) * 2;
    this.slots = new Int32Array(slots * WORDS);
    this.mask = slots - 1;
    const words = (this.mask << 2) | 3;
    for (let from = 0; from < old.length; from += WORDS) {
      if (old[from + ENTRY] === 0) continue;
      let at = (old[from + HASH]! << 2) & words;
      while (this.slots[at + ENTRY] !== 0) at = (at + WORDS) & words;
      for (let w = 0; w < WORDS; w++) this.slots[at + w] = old[from + w]!;
    }
  }
}
