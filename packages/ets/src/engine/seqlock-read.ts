/**
 * Reads of one key: optimistic under the stripe's seqlock (readConcurrency),
 * falling back to the stripe's mutex, which also recovers a stripe from a
 * dead writer; and this thread's cache of decoded objects (readCache), each
 * valid while its stripe's change count is unchanged.
 */
import { isCacheKey, VersionedCache } from '@erlmcp/shm';
import { canDeepFreeze, deepFreeze } from '../deep-freeze';
import { ANOMALY } from '../hash-index';
import {
  F_READ_CONCURRENCY,
  FLAG_MASK,
  H_CACHE_EPOCH,
  H_FLAGS,
  H_READ_CACHE,
  RECORD_HEADER,
  R_LINK,
  TUPLE,
} from '../layout';
import type { Stripe } from '../stripe';
import type { Tuple } from '../types';
import type { TableCore } from './core';

/** Optimistic read attempts before a reader takes the stripe's mutex (which also recovers it from a dead writer). */
const OPTIMISTIC_ATTEMPTS = 64;

/** @internal */
export class SeqlockReader<T extends Tuple = Tuple> {
  /** Keys whose objects this thread keeps decoded (the readCache option; 0 = off). */
  readonly readCache: number;
  private readonly readConcurrency: boolean;
  private readonly ctl: Int32Array;
  private readonly bag: boolean;
  private readonly codec: TableCore<T>['codec'];
  private readonly mem: TableCore<T>['mem'];
  /** This thread's decoded objects by key (a set's object, a bag's list), each valid while its stripe's change count is unchanged (null: readCache off). */
  private readonly cache: VersionedCache<T | T[]> | null;

  constructor(private readonly core: TableCore<T>) {
    const ctl = (this.ctl = core.ctl);
    this.bag = core.bag;
    this.codec = core.codec;
    this.mem = core.mem;
    this.readConcurrency = (ctl[H_FLAGS]! & F_READ_CONCURRENCY) !== 0;
    this.readCache = ctl[H_READ_CACHE]!;
    this.cache =
      this.readCache === 0
        ? null
        : new VersionedCache(this.readCache, {
            versionWords: core.stripes.map((s) => s.changesIndex),
            epochWord: H_CACHE_EPOCH,
          });
  }

  /** The objects with this key (at most one for set and ordered_set). */
  lookup(key: unknown): T[] {
    const cache = this.cache;
    if (cache !== null && isCacheKey(key)) {
      const at = cache.fresh(key, this.ctl);
      if (at >= 0) return this.bag ? (cache.valueAt(at) as T[]).slice() : [cache.valueAt(at) as T];
    }
    const codec = this.codec;
    codec.encodeKey(key);
    const stripe = this.core.stripeOf(codec.h);
    const ctl = this.ctl;
    const seqIndex = stripe.seqIndex;
    // The cache stamp (epoch, change count) is loaded before the sequence, so it is never newer than the objects read.
    const epoch = cache === null ? 0 : Atomics.load(ctl, H_CACHE_EPOCH);
    if (this.readConcurrency) {
      for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
        const changes = cache === null ? 0 : Atomics.load(ctl, stripe.changesIndex);
        const seq = Atomics.load(ctl, seqIndex);
        if ((seq & 1) !== 0) continue;
        let objects: T[] | null;
        try {
          objects = this.readObjects(stripe, key);
        } catch (error) {
          if (Atomics.load(ctl, seqIndex) === seq) throw error;
          continue;
        }
        if (Atomics.load(ctl, seqIndex) !== seq) continue;
        if (objects !== null) {
          if (cache !== null) this.remember(cache, key, objects, stripe, changes, epoch);
          return objects;
        }
        if (!this.mem.refresh()) break;
      }
    }
    stripe.readLock();
    try {
      const objects = this.readObjectsLocked(stripe, key);
      // No writer runs while we hold the mutex: the change count is that of the objects read.
      if (cache !== null) this.remember(cache, key, objects, stripe, Atomics.load(ctl, stripe.changesIndex), epoch);
      return objects;
    } finally {
      stripe.readUnlock();
    }
  }

  member(key: unknown): boolean {
    if (this.cache !== null && isCacheKey(key) && this.cache.fresh(key, this.ctl) >= 0) return true;
    const codec = this.codec;
    codec.encodeKey(key);
    const stripe = this.core.stripeOf(codec.h);
    return this.readKey(stripe, () => stripe.index.find(codec.h, codec.kw.buf, codec.kl)) > 0;
  }

  /** `readObjects` with the stripe locked (views refreshed once if they look stale). */
  readObjectsLocked(stripe: Stripe, key: unknown): T[] {
    const objects = this.readObjects(stripe, key) ?? (this.mem.refresh() ? this.readObjects(stripe, key) : null);
    if (objects === null) throw new RangeError(`table ${this.core.name}: corrupt index in a locked read`);
    return objects;
  }

  /** Caches a key's objects, read while its stripe's change count was `changes`, if they can be frozen (and then frozen). */
  private remember(
    cache: VersionedCache<T | T[]>,
    key: unknown,
    objects: T[],
    stripe: Stripe,
    changes: number,
    epoch: number,
  ): void {
    if (objects.length === 0 || !isCacheKey(key)) return;
    for (let i = 0; i < objects.length; i++) if (!canDeepFreeze(objects[i])) return;
    for (let i = 0; i < objects.length; i++) deepFreeze(objects[i]);
    // A set's one object, a bag's list (never handed out: hits return a copy; V8 slices a frozen array ~20x slower, so it is not frozen).
    cache.set(key, this.bag ? objects.slice() : objects[0]!, stripe.number, changes, epoch);
  }

  /**
   * Decodes the objects of the key in the codec (encoded by the caller) straight
   * from shared memory. Returns null on an impossible state, which only a torn
   * optimistic read (or views older than the buffer) can produce; the decoder
   * bounds all work by the record's size, so torn bytes cannot make it run away.
   */
  private readObjects(stripe: Stripe, key: unknown): T[] | null {
    const codec = this.codec;
    const kb = codec.kw.buf;
    const kl = codec.kl;
    let cur = stripe.index.find(codec.h, kb, kl);
    if (cur <= 0) return cur === ANOMALY ? null : [];
    if (!this.bag) {
      const object = this.decodeRecord(cur, key);
      return object === null ? null : [object];
    }
    const limit = Math.max(1, stripe.objects);
    const out: T[] = [];
    while (cur !== 0) {
      if (out.length >= limit) return null;
      const object = this.decodeRecord(cur, key);
      if (object === null) return null;
      out.push(object);
      cur = this.mem.i32[(cur >> 2) + R_LINK]! & ~FLAG_MASK;
    }
    return out;
  }

  /** The object in the record at `cur`, whose key is the codec's; null if the record looks impossible (torn or stale). */
  private decodeRecord(cur: number, key: unknown): T | null {
    const mem = this.mem;
    if (cur < 0 || cur % 8 !== 0 || cur + RECORD_HEADER > mem.length) return null;
    const i32 = mem.i32;
    const w0 = i32[cur >> 2]!;
    const link = i32[(cur >> 2) + R_LINK]!;
    const codec = this.codec;
    const start = cur + RECORD_HEADER + codec.kl;
    const end = cur + (w0 & ~FLAG_MASK) - (link & FLAG_MASK);
    if (end > mem.length || end <= start) return null;
    return codec.decode(mem.buf, start, end, (w0 & TUPLE) !== 0, codec.kw.buf, 0, key) as T;
  }

  /** Runs a short index probe as a read: optimistically or under the stripe mutex. */
  private readKey(stripe: Stripe, probe: () => number): number {
    if (this.readConcurrency) {
      for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
        const seq = Atomics.load(this.ctl, stripe.seqIndex);
        if ((seq & 1) !== 0) continue;
        const r = probe();
        if (Atomics.load(this.ctl, stripe.seqIndex) !== seq) continue;
        if (r !== ANOMALY) return r;
        if (!this.mem.refresh()) break;
      }
    }
    stripe.readLock();
    try {
      let r = probe();
      if (r === ANOMALY && this.mem.refresh()) r = probe();
      return r;
    } finally {
      stripe.readUnlock();
    }
  }
}
