/**
 * Turning a tuple into the two parts a record stores (key encoding and tuple
 * bytes) and back, for one table in one thread.
 *
 * The tuple bytes hold the tuple with its key slot set to nil, and the key is
 * decoded from the key encoding on the way out, so a key is stored once. A key
 * whose encoding does not decode back to an identical value (an object's
 * property order, a Buffer's class, ...) is stored inside the tuple instead
 * (the record's TUPLE flag).
 */
import { BadArgError } from './errors';
import { KeyReader, KeyWriter } from './key-codec';
import { packPrepared, prepareElement } from './value-codec';
import { ValueReader } from './value-reader';
import { hashKey } from './key-hash';

/** An encoded object, with copies of its bytes (safe to keep across other encodes). */
export interface EncodedObject {
  h: number;
  key: Uint8Array;
  tuple: Uint8Array;
  whole: boolean;
}

/**
 * One reader per thread for every table: its string and shape caches hold
 * what the data repeats whatever table it is in, so a thread reading many
 * tables (the shards of an @erlmcp/ets-optimizer table) keeps one warm set
 * of caches instead of one per table. Decoding is synchronous and never
 * re-enters the reader, so sharing it is safe.
 */
const sharedReader = new ValueReader();

export class TupleCodec {
  readonly kw = new KeyWriter();
  readonly kr = new KeyReader();
  readonly reader = sharedReader;
  /** After `encodeKey`/`encode`: length of the key encoding in `kw.buf`, and its hash. */
  kl = 0;
  h = 0;
  private readonly kp: number;

  constructor(readonly keyPos: number) {
    this.kp = keyPos - 1;
  }

  /** Encodes `key` into `kw.buf` and hashes it. */
  encodeKey(key: unknown): void {
    this.kl = this.kw.encode(key);
    this.h = hashKey(this.kw.buf, this.kl);
  }

  /**
   * Validates and encodes `object`. Leaves the key encoding in `kw.buf`
   * (`kl`, `h`) and returns the tuple bytes (valid until the next pack).
   */
  encodeTuple(object: unknown, what: string): Uint8Array {
    if (!Array.isArray(object))
      throw new BadArgError(`${what}: an object must be a tuple (an array), got ${typeof object}`);
    if (object.length < this.keyPos)
      throw new BadArgError(`${what}: the tuple has ${object.length} elements, fewer than keyPos ${this.keyPos}`);
    this.encodeKey(object[this.kp]);
    const whole = this.kw.lossy;
    let out: unknown[] | undefined;
    if (!whole) {
      out = object.slice();
      out[this.kp] = null;
    }
    // A key stored whole goes through prepareValue too, for the Maps and -0 inside it.
    for (let i = 0; i < object.length; i++) {
      if (i === this.kp && !whole) continue;
      const v: unknown = object[i];
      const p = prepareElement(v, what, i);
      if (p !== v) (out ??= object.slice())[i] = p;
    }
    return packPrepared(out ?? object);
  }

  /** `encodeTuple` with copies of the bytes. */
  encode(object: unknown, what: string): EncodedObject {
    const tuple = this.encodeTuple(object, what);
    return { h: this.h, key: this.kw.copy(this.kl), tuple: Uint8Array.from(tuple), whole: this.kw.lossy };
  }

  /**
   * The tuple from tuple bytes `src[start, end)`; when not `whole`, its key is
   * `key` (a primitive, returned as is) or decoded from `keyBytes` at `keyStart`.
   */
  decode(
    src: Buffer,
    start: number,
    end: number,
    whole: boolean,
    keyBytes: Uint8Array,
    keyStart: number,
    key?: unknown,
  ): unknown[] {
    // The usual record: a pair keyed at 1, stored as [nil, value] (0x92 0xc0 ...): decode the value alone.
    if (this.kp === 0 && !whole && end - start > 2 && src[start] === 0x92 && src[start + 1] === 0xc0) {
      const value = this.reader.decode(src, start + 2, end);
      return [key !== undefined && isPrimitive(key) ? key : this.kr.decode(keyBytes, keyStart), value];
    }
    const tuple = this.reader.decode(src, start, end);
    if (!Array.isArray(tuple)) throw new RangeError('corrupt record: the stored tuple is not an array');
    if (!whole) tuple[this.kp] = key !== undefined && isPrimitive(key) ? key : this.kr.decode(keyBytes, keyStart);
    return tuple;
  }
}

export function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}
