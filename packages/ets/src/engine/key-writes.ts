/**
 * Writes of one key (and the stripe-by-stripe deletes of select_delete): each
 * takes its key's stripe write lock, changes the stripe through the publish
 * primitives, and lets go. A new version of an object is a new record
 * published by one store, so a crash leaves either version.
 */
import { BadArgError } from '../errors';
import { TUPLE } from '../layout';
import { termEquals } from '../terms';
import type { EncodedObject } from '../tuple-codec';
import type { Tuple } from '../types';
import { packValue } from '../value-codec';
import type { TableCore } from './core';
import type { Publisher } from './publish';
import type { SeqlockReader } from './seqlock-read';

/** @internal */
export class KeyWrites<T extends Tuple = Tuple> {
  constructor(
    private readonly core: TableCore<T>,
    private readonly pub: Publisher<T>,
    private readonly reader: SeqlockReader<T>,
  ) {}

  /** Inserts one object (`what` names the caller in errors); with `onlyNew`, returns false if its key is present. */
  insert(object: T, onlyNew: boolean, what: string): boolean {
    const codec = this.core.codec;
    const tuple = codec.encodeTuple(object, what);
    return this.insertEncoded(codec.h, codec.kw.buf, codec.kl, tuple, codec.kw.lossy, object, onlyNew);
  }

  /** `insert` of an object already encoded (a batch of one). */
  insertOne(e: EncodedObject, object: unknown, onlyNew: boolean): boolean {
    return this.insertEncoded(e.h, e.key, e.key.length, e.tuple, e.whole, object, onlyNew);
  }

  private insertEncoded(
    h: number,
    kb: Uint8Array,
    kl: number,
    tuple: Uint8Array,
    whole: boolean,
    object: unknown,
    onlyNew: boolean,
  ): boolean {
    const stripe = this.core.stripeOf(h);
    stripe.writeLock();
    try {
      if (onlyNew) {
        stripe.onlyAddedKeys(); // a new key, or nothing at all
        if (stripe.index.find(h, kb, kl) > 0) return false;
      }
      this.core.reserve(stripe, 1);
      if (this.pub.put(stripe, h, kb, kl, tuple, whole, object)) stripe.onlyAddedKeys();
    } finally {
      stripe.writeUnlock();
    }
    return true;
  }

  /** Deletes every object with this key. */
  delete(key: unknown): void {
    const codec = this.core.codec;
    codec.encodeKey(key);
    const stripe = this.core.stripeOf(codec.h);
    stripe.writeLock();
    try {
      const off = stripe.index.find(codec.h, codec.kw.buf, codec.kl);
      if (off > 0) this.pub.unpublishKey(stripe, off, codec.kw.buf, codec.kl);
    } finally {
      stripe.writeUnlock();
    }
  }

  /** Deletes this exact object (for bags, every copy of it). */
  deleteObject(object: T): void {
    const codec = this.core.codec;
    codec.encodeTuple(object, 'deleteObject');
    const stripe = this.core.stripeOf(codec.h);
    stripe.writeLock();
    try {
      const kl = codec.kl;
      const kb = codec.kw.buf;
      const head = stripe.index.find(codec.h, kb, kl);
      if (head > 0) this.pub.removeMatching(stripe, head, kb, kl, (o) => termEquals(o, object));
    } finally {
      stripe.writeUnlock();
    }
  }

  /** Removes and returns the objects with this key. */
  take(key: unknown): T[] {
    const codec = this.core.codec;
    codec.encodeKey(key);
    const stripe = this.core.stripeOf(codec.h);
    stripe.writeLock();
    try {
      const objects = this.reader.readObjectsLocked(stripe, key);
      const off = stripe.index.find(codec.h, codec.kw.buf, codec.kl);
      if (off > 0) this.pub.unpublishKey(stripe, off, codec.kw.buf, codec.kl);
      return objects;
    } finally {
      stripe.writeUnlock();
    }
  }

  /** Compare-and-swap on one key (set types; see Table.replaceObject). */
  replaceObject(expected: T, replacement: T | undefined): boolean {
    const core = this.core;
    const codec = core.codec;
    const next = replacement === undefined ? undefined : codec.encode(replacement, 'replaceObject');
    const old = codec.encodeTuple(expected, 'replaceObject');
    const kb = codec.kw.buf;
    const kl = codec.kl;
    const h = codec.h;
    if (next !== undefined && (next.key.length !== kl || Buffer.compare(next.key, kb.subarray(0, kl)) !== 0)) {
      throw new BadArgError('replaceObject: the replacement has another key');
    }
    const stripe = core.stripeOf(h);
    stripe.writeLock();
    try {
      if (next !== undefined) core.reserve(stripe, 1);
      const head = stripe.index.find(h, kb, kl);
      const slot = stripe.index.slot;
      if (head <= 0 || !this.pub.sameObject(head, kl, old, codec.kw.lossy, expected)) {
        stripe.onlyAddedKeys(); // changed nothing
        return false;
      }
      if (next === undefined) {
        this.pub.unpublishKey(stripe, head, kb, kl);
        return true;
      }
      const rec = stripe.writeRecord(h, kb, kl, next.tuple, next.whole);
      if (rec === 0) core.full();
      this.pub.publish(stripe, head, slot, h, kb, kl, rec);
      return true;
    } finally {
      stripe.writeUnlock();
    }
  }

  /**
   * Read-modify-write of one object (set types) under its stripe's lock.
   * Returns `change`'s result, or null if the key is absent and there is no
   * default (`fallback`, a copy whose key is already `key`).
   */
  modify(key: unknown, fallback: T | undefined, change: (object: T) => number[]): number[] | null {
    const core = this.core;
    const codec = core.codec;
    codec.encodeKey(key);
    const stripe = core.stripeOf(codec.h);
    stripe.writeLock();
    try {
      core.reserve(stripe, 1);
      const kl = codec.kl;
      const head = stripe.index.find(codec.h, codec.kw.buf, kl);
      const slot = stripe.index.slot;
      let object: T;
      if (head > 0) object = core.decodeAt(head);
      else if (fallback !== undefined) object = fallback;
      else return null;
      const result = change(object);
      // Re-encode: the key bytes stay in codec.kw (decodeAt does not touch them).
      const whole = codec.kw.lossy || (head > 0 && (core.mem.i32[head >> 2]! & TUPLE) !== 0);
      const copy = object.slice();
      if (!whole) copy[core.kp] = null;
      const tuple = packValue(copy);
      const rec = stripe.writeRecord(codec.h, codec.kw.buf, kl, tuple, whole);
      if (rec === 0) core.full();
      this.pub.publish(stripe, head, slot, codec.h, codec.kw.buf, kl, rec);
      return result;
    } finally {
      stripe.writeUnlock();
    }
  }

  /** Deletes, stripe by stripe under the write lock, every object `test` accepts. Returns how many. */
  deleteWhere(test: (object: T) => boolean): number {
    const core = this.core;
    let deleted = 0;
    for (const stripe of core.stripes) {
      stripe.writeLock();
      try {
        const heads: number[] = [];
        stripe.index.forEach((off) => heads.push(off));
        for (const head of heads) {
          const key = core.keyBytesOf(head);
          deleted += this.pub.removeMatching(stripe, head, key, key.length, test);
        }
      } finally {
        stripe.writeUnlock();
      }
    }
    return deleted;
  }
}
