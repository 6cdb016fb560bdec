/**
 * The cold form of a payload (the object with its key slot null): compact
 * bytes that a shard stores as a binary.
 *
 *   header  flags (bit 0: body deflated), [varint dictionary version],
 *           varint n, n varint ids of shared values (the references the
 *           record holds, so releasing them reads no body)
 *   body    one tagged value (below), deflated if the flag says so
 *
 * Values: null, booleans and undefined in one byte; integers as varints
 * (below 128 in the tag byte); other numbers as float64 (-0, NaN and the
 * infinities too); strings inline as UTF-8, or as a dictionary id, or as an
 * index into the header's shared values; arrays and plain objects element
 * by element, property names as dictionary ids or inline. Anything else (a
 * Map, a Set, a Date, a bigint, a class instance, a string with a lone
 * surrogate, ...) is one FALLBACK holding @erlmcp/ets's own encoding of it,
 * so every value reads back exactly as a plain table returns it.
 */
import { decodeValue, encodeValue } from '@erlmcp/ets';
import { ByteReader, ByteWriter } from './byte-writer';
import type { Compressor } from './compressor';
import type { DedupStore } from './dedup-store';
import type { Dictionary } from './dictionary';
import type { ColdForm } from './stored';

const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const UNDEFINED = 3;
const UINT = 4;
const NEGINT = 5;
const FLOAT = 6;
const STR = 7;
const DICT = 8;
const SHARED = 9;
const ARRAY = 10;
const OBJECT = 11;
const FALLBACK = 12;
const SMALL = 0x80;

const F_DEFLATED = 1;
const MAX_DEPTH = 512;

type CheckedString = string & { isWellFormed(): boolean };

export class ColdCodec implements ColdForm {
  private readonly body = new ByteWriter();
  private readonly out = new ByteWriter();
  private refs: number[] = [];
  private refIndex = new Map<number, number>();

  constructor(
    private readonly dictionary: Dictionary | null,
    private readonly dedup: DedupStore | null,
    private readonly compressor: Compressor | null,
  ) {}

  encode(payload: unknown[]): Uint8Array {
    this.body.reset();
    this.refs = [];
    this.refIndex = new Map();
    try {
      this.value(payload, 0);
    } catch (error) {
      for (const id of this.refs) this.dedup!.release(id);
      throw error;
    }
    const raw = this.body.buf.subarray(0, this.body.pos);
    const packed = this.compressor?.compress(raw) ?? null;
    const out = this.out;
    out.reset();
    out.byte(packed === null ? 0 : F_DEFLATED);
    if (packed !== null) out.varint(packed.version);
    out.varint(this.refs.length);
    for (const id of this.refs) out.varint(id);
    out.bytes(packed === null ? raw : packed.bytes);
    return out.take();
  }

  /** The uncompressed body `payload` would have: a sample to train a compression dictionary on (takes no lasting references). */
  sample(payload: unknown[]): Uint8Array {
    this.body.reset();
    this.refs = [];
    this.refIndex = new Map();
    try {
      this.value(payload, 0);
      return this.body.take();
    } finally {
      for (const id of this.refs) this.dedup!.release(id);
    }
  }

  decode(bytes: Uint8Array): unknown[] {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const r = new ByteReader(buf);
    const flags = r.byte();
    const version = (flags & F_DEFLATED) !== 0 ? r.varint() : 0;
    const n = r.varint();
    const refs: number[] = [];
    for (let i = 0; i < n; i++) refs.push(r.varint());
    const body =
      (flags & F_DEFLATED) !== 0 ? new ByteReader(this.compressor!.decompress(buf.subarray(r.pos), version)) : r;
    return this.read(body, refs) as unknown[];
  }

  release(bytes: Uint8Array): void {
    const r = new ByteReader(
      Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    );
    if ((r.byte() & F_DEFLATED) !== 0) r.varint();
    const n = r.varint();
    for (let i = 0; i < n; i++) this.dedup!.release(r.varint());
  }

  /** The dictionary version a cold record was compressed with (0: none, or not compressed). */
  static dictionaryVersion(bytes: Uint8Array): number {
    const r = new ByteReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    return (r.byte() & F_DEFLATED) !== 0 ? r.varint() : 0;
  }

  /** The references a cold record holds (ids in the shared store). */
  static references(bytes: Uint8Array): number[] {
    const r = new ByteReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    if ((r.byte() & F_DEFLATED) !== 0) r.varint();
    const n = r.varint();
    return Array.from({ length: n }, () => r.varint());
  }

  private value(v: unknown, depth: number): void {
    const w = this.body;
    switch (typeof v) {
      case 'number':
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
          if (v >= 0 && v < 0x80) w.byte(SMALL | v);
          else if (v >= 0) {
            w.byte(UINT);
            w.varint(v);
          } else {
            w.byte(NEGINT);
            w.varint(-v);
          }
        } else {
          w.byte(FLOAT);
          w.float64(v);
        }
        return;
      case 'string':
        return this.string(v);
      case 'boolean':
        return w.byte(v ? TRUE : FALSE);
      case 'undefined':
        return w.byte(UNDEFINED);
      case 'object':
        if (v === null) return w.byte(NULL);
        if (depth > MAX_DEPTH) return this.fallback(v);
        if (Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype) {
          w.byte(ARRAY);
          w.varint(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i], depth + 1);
          return;
        }
        if (Object.getPrototypeOf(v) === Object.prototype) {
          const o = v as Record<string, unknown>;
          const keys = Object.keys(o);
          w.byte(OBJECT);
          w.varint(keys.length);
          for (const k of keys) {
            this.string(k);
            this.value(o[k], depth + 1);
          }
          return;
        }
        if (
          this.dedup !== null &&
          (v.constructor === Buffer || v.constructor === Uint8Array) &&
          this.dedup.wants(v as Uint8Array)
        ) {
          const id = this.dedup.acquire(v as Uint8Array);
          if (id >= 0) return this.shared(id);
        }
        return this.fallback(v);
      default:
        return this.fallback(v);
    }
  }

  private string(s: string): void {
    const w = this.body;
    if (this.dedup !== null && this.dedup.wants(s)) {
      const id = this.dedup.acquire(s);
      if (id >= 0) return this.shared(id);
    } else if (this.dictionary !== null && s.length <= this.dictionary.maxLength) {
      const id = this.dictionary.idOf(s);
      if (id >= 0) {
        w.byte(DICT);
        w.varint(id);
        return;
      }
    }
    if (!(s as CheckedString).isWellFormed()) return this.fallback(s);
    w.byte(STR);
    w.utf8(s);
  }

  private shared(id: number): void {
    let index = this.refIndex.get(id);
    if (index === undefined) {
      index = this.refs.length;
      this.refs.push(id);
      this.refIndex.set(id, index);
    } else {
      // One reference per record per value: the extra count taken goes back.
      this.dedup!.release(id);
    }
    this.body.byte(SHARED);
    this.body.varint(index);
  }

  private fallback(v: unknown): void {
    const bytes = encodeValue(v);
    this.body.byte(FALLBACK);
    this.body.varint(bytes.length);
    this.body.bytes(bytes);
  }

  private read(r: ByteReader, refs: readonly number[]): unknown {
    const tag = r.byte();
    if (tag >= SMALL) return tag - SMALL;
    switch (tag) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case UNDEFINED:
        return undefined;
      case UINT:
        return r.varint();
      case NEGINT:
        return -r.varint();
      case FLOAT:
        return r.float64();
      case STR:
        return r.utf8();
      case DICT:
        return this.dictionary!.stringOf(r.varint());
      case SHARED: {
        const id = refs[r.varint()];
        if (id === undefined) throw new RangeError('cold record: bad shared value index');
        return this.dedup!.valueOf(id);
      }
      case ARRAY: {
        const n = r.varint();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.read(r, refs);
        return a;
      }
      case OBJECT: {
        const n = r.varint();
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.read(r, refs) as string;
          const v = this.read(r, refs);
          if (k === '__proto__')
            Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
          else o[k] = v;
        }
        return o;
      }
      case FALLBACK: {
        const n = r.varint();
        const start = r.pos;
        r.pos += n;
        return decodeValue(r.buf, start, r.pos);
      }
      default:
        throw new RangeError(`cold record: unknown tag ${tag}`);
    }
  }
}
