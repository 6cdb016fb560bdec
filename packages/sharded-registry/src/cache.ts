/**
 * A thread's lookup cache of string names.
 *
 * A name maps to a slot number (a small integer, stored in the Map's own
 * entry); per slot, a dense array holds the registration `whereis` returns
 * and an Int32Array the shard it was read from and that table's version
 * then. A hit reads the Map entry, one 8-byte pair and one array element,
 * never the registration object: compact arrays that stay in cache, where a
 * per-name object with the validation in its fields costs one more random
 * access into the heap per lookup.
 *
 * Every entry was read under one placement epoch, the cache's: a hit needs
 * that epoch to be current and the table's version unchanged. A name found
 * under another epoch empties the cache first.
 */
import type { Pid } from '@erlmcp/otp';
import { C_EPOCH, versionWord } from './layout';
import type { Registration } from './types';

/** What `whereis` returns: one class, so every result has the same shape. */
export class Found<M> implements Registration<M> {
  constructor(
    readonly pid: Pid,
    readonly meta: M | undefined,
  ) {}
}

export class LookupCache<M> {
  private readonly slots = new Map<string, number>();
  private regs: Registration<M>[] = [];
  /** Per slot: [version, shard]. */
  private meta = new Int32Array(64);
  private epoch = -1;

  /** `capacity` entries at most: at that size the next new name empties the cache. */
  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.slots.size;
  }

  /** The slot of `name`'s answer if it is still valid, else -1. */
  find(name: string, ctl: Int32Array): number {
    const slot = this.slots.get(name);
    if (slot === undefined) return -1;
    const meta = this.meta;
    const at = slot * 2;
    if (Atomics.load(ctl, versionWord(meta[at + 1]!)) !== meta[at] || Atomics.load(ctl, C_EPOCH) !== this.epoch) return -1;
    return slot;
  }

  /** The shard the answer in `slot` was read from. */
  shardOf(slot: number): number {
    return this.meta[slot * 2 + 1]!;
  }

  registrationAt(slot: number): Registration<M> {
    return this.regs[slot]!;
  }

  /** Caches `registration` of `name`, read from table `shard` at `version` under placement `epoch`. */
  put(name: string, registration: Registration<M>, shard: number, version: number, epoch: number): void {
    if (this.capacity === 0) return;
    if (epoch !== this.epoch) {
      this.clear();
      this.epoch = epoch;
    }
    let slot = this.slots.get(name);
    if (slot === undefined) {
      if (this.slots.size >= this.capacity) this.clear();
      slot = this.regs.length;
      this.slots.set(name, slot);
      this.regs.push(registration);
      if (slot * 2 + 2 > this.meta.length) {
        const grown = new Int32Array(this.meta.length * 2);
        grown.set(this.meta);
        this.meta = grown;
      }
    } else {
      this.regs[slot] = registration;
    }
    this.meta[slot * 2] = version;
    this.meta[slot * 2 + 1] = shard;
  }

  clear(): void {
    this.slots.clear();
    this.regs = [];
    this.meta = new Int32Array(64);
  }
}
