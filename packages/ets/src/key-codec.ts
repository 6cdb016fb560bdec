// Past 400 lines on purpose: the writer, the skipper, the reader and the comparison below are
// four views of one byte format (the type tags and escapes), kept together so that a change
// to the format is made in one place.
/**
 * The canonical, order-preserving encoding of keys.
 *
 * Two keys are the same key exactly when their encodings are byte-equal, and
 * comparing encodings byte by byte (memcmp) gives the key order that
 * ordered_set tables use. The encoding is self-delimiting (no encoding is a
 * proper prefix of another), so a match on the probe's bytes proves equality
 * without a stored length.
 *
 * Layout: one type tag, then the payload.
 * - null 0x10, undefined 0x11, false 0x20, true 0x21
 * - number 0x30 + the IEEE-754 bits, big-endian, sign-flipped so that byte
 *   order is numeric order; -0 is stored as 0 and every NaN as one NaN
 * - bigint 0x31 (negative) / 0x32 (non-negative) + byte length + magnitude
 * - Date 0x40 + its time as a number
 * - string 0x50 + WTF-8 bytes (code point order; lone surrogates kept), 0x00
 *   escaped as 00 FF, terminated by 00
 * - Uint8Array / Buffer 0x60 + escaped bytes + 00
 * - array 0x70 + elements + 00
 * - plain object (and a Map with only string keys) 0x80 + (01 key value)* + 00,
 *   properties sorted by name
 * - anything else msgpackr encodes (Map, Set, typed arrays, RegExp, Error) 0x90
 *   + the msgpackr encoding of its canonical form, escaped, + 00
 */
import { UnencodableError } from './errors';
import { packCanonical, refuseOpaque, unpackValue } from './value-codec';

const T_NULL = 0x10;
const T_UNDEFINED = 0x11;
const T_FALSE = 0x20;
const T_TRUE = 0x21;
const T_NUMBER = 0x30;
const T_BIGINT_NEG = 0x31;
const T_BIGINT_POS = 0x32;
const T_DATE = 0x40;
const T_STRING = 0x50;
const T_BINARY = 0x60;
const T_ARRAY = 0x70;
const T_OBJECT = 0x80;
const T_OTHER = 0x90;
const END = 0x00;
const PROPERTY = 0x01;
export const ESCAPE = 0xff;

const MAX_DEPTH = 64;

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);

/** Encodes keys into a reusable buffer (one writer per thread and table). */
export class KeyWriter {
  buf = new Uint8Array(256);
  /** True when the last key does not decode back to an identical value (objects, binaries, other types). */
  lossy = false;
  private pos = 0;
  private readonly ancestors: object[] = [];

  /** Encodes `key` at the start of `buf`; returns the length. Throws UnencodableError. */
  encode(key: unknown): number {
    this.pos = 0;
    this.lossy = false;
    if (typeof key === 'string') {
      const n = this.ascii(key);
      if (n >= 0) return (this.pos = n);
      this.string(T_STRING, key);
    } else this.value(key, 0);
    return this.pos;
  }

  /**
   * A string key that is all ASCII without NUL (the common case), as one
   * tight loop: its encoding is the tag, its characters, the terminator.
   * Returns the length, or -1 (nothing to undo) for any other string.
   */
  private ascii(s: string): number {
    const n = s.length;
    if (n + 2 > this.buf.length) return -1;
    const b = this.buf;
    b[0] = T_STRING;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if ((c - 1) >>> 0 >= 0x7f) return -1; // NUL (escaped) or non-ASCII
      b[i + 1] = c;
    }
    b[n + 1] = END;
    return n + 2;
  }

  /** A copy of the bytes of the last `encode`. */
  copy(length: number): Uint8Array {
    return this.buf.slice(0, length);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private value(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'string':
        return this.string(T_STRING, v);
      case 'number':
        return this.number(T_NUMBER, v);
      case 'boolean':
        return this.byte(v ? T_TRUE : T_FALSE);
      case 'undefined':
        return this.byte(T_UNDEFINED);
      case 'bigint':
        return this.bigint(v);
      case 'function':
        throw new UnencodableError('key', 'a function');
      case 'symbol':
        throw new UnencodableError('key', 'a symbol');
    }
    if (v === null) return this.byte(T_NULL);
    const o = v as object;
    if (depth >= MAX_DEPTH || this.ancestors.includes(o))
      throw new UnencodableError('key', 'a cyclic or too deeply nested structure');
    this.ancestors.push(o);
    try {
      this.object(o, depth + 1);
    } finally {
      this.ancestors.pop();
    }
  }

  private object(o: object, depth: number): void {
    if (Array.isArray(o)) {
      this.byte(T_ARRAY);
      for (let i = 0; i < o.length; i++) this.value(o[i], depth);
      this.byte(END);
      return;
    }
    if (o instanceof Date) return this.number(T_DATE, o.getTime());
    if (o instanceof Uint8Array) {
      this.lossy = true;
      return this.bytes(T_BINARY, o);
    }
    if (o instanceof Map && [...o.keys()].every((k) => typeof k === 'string')) {
      this.lossy = true;
      return this.properties([...(o as Map<string, unknown>).keys()].sort(), (k) => o.get(k), depth);
    }
    if (
      o instanceof Map ||
      o instanceof Set ||
      ArrayBuffer.isView(o) ||
      o instanceof ArrayBuffer ||
      o instanceof RegExp ||
      o instanceof Error
    ) {
      this.lossy = true;
      return this.bytes(
        T_OTHER,
        packCanonical(o, (k) => this.sortKey(k)),
      );
    }
    if (Object.getPrototypeOf(o) !== Object.prototype) refuseOpaque(o, 'key');
    this.lossy = true;
    const record = o as Record<string, unknown>;
    this.properties(Object.keys(record).sort(), (k) => record[k], depth);
  }

  private properties(names: string[], get: (name: string) => unknown, depth: number): void {
    this.byte(T_OBJECT);
    for (const name of names) {
      const value = get(name);
      if (typeof value === 'function') throw new UnencodableError(`key.${name}`, 'a function');
      this.byte(PROPERTY);
      this.string(-1, name);
      this.value(value, depth);
    }
    this.byte(END);
  }

  /** A standalone encoding used to order Map entries and Set members canonically. */
  private sortKey(k: unknown): string {
    const w = new KeyWriter();
    const n = w.encode(k);
    return Buffer.from(w.buf.buffer, 0, n).toString('latin1');
  }

  private number(tag: number, n: number): void {
    this.ensure(9);
    const b = this.buf;
    let p = this.pos;
    b[p++] = tag;
    f64[0] = n === 0 ? 0 : n !== n ? NaN : n;
    // Little-endian platform bytes, written big-endian; flip so byte order is numeric order.
    if ((f64bytes[7]! & 0x80) !== 0) {
      for (let i = 7; i >= 0; i--) b[p++] = ~f64bytes[i]! & 0xff;
    } else {
      b[p++] = f64bytes[7]! ^ 0x80;
      for (let i = 6; i >= 0; i--) b[p++] = f64bytes[i]!;
    }
    this.pos = p;
  }

  private bigint(v: bigint): void {
    const negative = v < 0n;
    let hex = (negative ? -v : v).toString(16);
    if (hex === '0') hex = '';
    if (hex.length % 2 === 1) hex = '0' + hex;
    const len = hex.length / 2;
    if (len > 254) throw new UnencodableError('key', 'a bigint wider than 254 bytes');
    this.ensure(2 + len);
    this.buf[this.pos++] = negative ? T_BIGINT_NEG : T_BIGINT_POS;
    this.buf[this.pos++] = negative ? 255 - len : len;
    for (let i = 0; i < len; i++) {
      const byte = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
      this.buf[this.pos++] = negative ? ~byte & 0xff : byte;
    }
  }

  /** WTF-8 with 00 escaped as 00 FF, then a 00 terminator. `tag` < 0 writes no tag (property names). */
  private string(tag: number, s: string): void {
    const n = s.length;
    this.ensure(n * 3 + 2);
    const b = this.buf;
    let p = this.pos;
    if (tag >= 0) b[p++] = tag;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c === 0) {
          b[p++] = 0;
          b[p++] = ESCAPE;
        } else {
          b[p++] = c;
        }
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        const d = c >= 0xd800 && c < 0xdc00 && i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d < 0xe000) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[p++] = 0xf0 | (cp >> 18);
          b[p++] = 0x80 | ((cp >> 12) & 0x3f);
          b[p++] = 0x80 | ((cp >> 6) & 0x3f);
          b[p++] = 0x80 | (cp & 0x3f);
          i++;
        } else {
          b[p++] = 0xe0 | (c >> 12);
          b[p++] = 0x80 | ((c >> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
        }
      }
    }
    b[p++] = END;
    this.pos = p;
  }

  private bytes(tag: number, src: Uint8Array): void {
    this.ensure(src.length * 2 + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = tag;
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      b[p++] = c;
      if (c === 0) b[p++] = ESCAPE;
    }
    b[p++] = END;
    this.pos = p;
  }
}

/** Position just past the key encoded at `pos` (no allocation). Returns -1 on malformed input. */
export function skipKey(b: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return -1;
  const tag = b[pos++]!;
  switch (tag) {
    case T_NULL:
    case T_UNDEFINED:
    case T_FALSE:
    case T_TRUE:
      return pos;
    case T_NUMBER:
    case T_DATE:
      return pos + 8 <= end ? pos + 8 : -1;
    case T_BIGINT_NEG:
      return pos < end ? pos + 1 + (255 - b[pos]!) : -1;
    case T_BIGINT_POS:
      return pos < end ? pos + 1 + b[pos]! : -1;
    case T_STRING:
    case T_BINARY:
    case T_OTHER:
      return skipEscaped(b, pos, end);
    case T_ARRAY:
      while (pos < end && b[pos] !== END) {
        pos = skipKey(b, pos, end);
        if (pos < 0) return -1;
      }
      return pos < end ? pos + 1 : -1;
    case T_OBJECT:
      while (pos < end && b[pos] === PROPERTY) {
        pos = skipEscaped(b, pos + 1, end);
        if (pos < 0) return -1;
        pos = skipKey(b, pos, end);
        if (pos < 0) return -1;
      }
      return pos < end && b[pos] === END ? pos + 1 : -1;
    default:
      return -1;
  }
}

function skipEscaped(b: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    if (b[pos++] === END) {
      if (pos < end && b[pos] === ESCAPE) pos++;
      else return pos;
    }
  }
  return -1;
}

/** Decodes keys written by KeyWriter. */
export class KeyReader {
  /** Position after the last decoded key. */
  end = 0;
  private b: Uint8Array = new Uint8Array(0);
  private pos = 0;

  decode(b: Uint8Array, pos: number): unknown {
    this.b = b;
    this.pos = pos;
    const v = this.value();
    this.end = this.pos;
    return v;
  }

  private value(): unknown {
    const b = this.b;
    const tag = b[this.pos++]!;
    switch (tag) {
      case T_NULL:
        return null;
      case T_UNDEFINED:
        return undefined;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_NUMBER:
        return this.number();
      case T_DATE:
        return new Date(this.number());
      case T_BIGINT_NEG:
      case T_BIGINT_POS:
        return this.bigint(tag === T_BIGINT_NEG);
      case T_STRING:
        return this.string();
      case T_BINARY:
        return this.unescape();
      case T_OTHER:
        return unpackValue(this.unescape());
      case T_ARRAY: {
        const out: unknown[] = [];
        while (b[this.pos] !== END) out.push(this.value());
        this.pos++;
        return out;
      }
      case T_OBJECT: {
        const out: Record<string, unknown> = {};
        while (b[this.pos] === PROPERTY) {
          this.pos++;
          const name = this.string();
          out[name] = this.value();
        }
        this.pos++;
        return out;
      }
      default:
        throw new RangeError(`corrupt key: tag 0x${tag.toString(16)} at ${this.pos - 1}`);
    }
  }

  private number(): number {
    const b = this.b;
    const p = this.pos;
    if ((b[p]! & 0x80) !== 0) {
      f64bytes[7] = b[p]! ^ 0x80;
      for (let i = 1; i < 8; i++) f64bytes[7 - i] = b[p + i]!;
    } else {
      for (let i = 0; i < 8; i++) f64bytes[7 - i] = ~b[p + i]! & 0xff;
    }
    this.pos = p + 8;
    return f64[0]!;
  }

  private bigint(negative: boolean): bigint {
    const b = this.b;
    const len = negative ? 255 - b[this.pos]! : b[this.pos]!;
    this.pos++;
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(negative ? ~b[this.pos + i]! & 0xff : b[this.pos + i]!);
    this.pos += len;
    return negative ? -v : v;
  }

  private string(): string {
    const b = this.b;
    let p = this.pos;
    let s = '';
    for (;;) {
      const c = b[p++]!;
      if (c === END) {
        if (b[p] === ESCAPE) {
          p++;
          s += '\0';
          continue;
        }
        break;
      }
      if (c < 0x80) {
        s += String.fromCharCode(c);
      } else if (c < 0xe0) {
        s += String.fromCharCode(((c & 0x1f) << 6) | (b[p++]! & 0x3f));
      } else if (c < 0xf0) {
        s += String.fromCharCode(((c & 0x0f) << 12) | ((b[p++]! & 0x3f) << 6) | (b[p++]! & 0x3f));
      } else {
        const cp = ((c & 0x07) << 18) | ((b[p++]! & 0x3f) << 12) | ((b[p++]! & 0x3f) << 6) | (b[p++]! & 0x3f);
        s += String.fromCodePoint(cp);
      }
    }
    this.pos = p;
    return s;
  }

  private unescape(): Uint8Array {
    const b = this.b;
    const out: number[] = [];
    for (;;) {
      const c = b[this.pos++]!;
      if (c === END) {
        if (b[this.pos] === ESCAPE) {
          this.pos++;
          out.push(0);
          continue;
        }
        break;
      }
      out.push(c);
    }
    return Uint8Array.from(out);
  }
}

/** Lexicographic comparison of two encodings (the ordered_set order). */
export function compareBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/**
 * True when a stored key whose first `kl` bytes equal a probe's goes on past
 * them: the probe's last byte is a 00 terminator, and the stored key's 00 at
 * the same place was an escaped zero (00 FF). Encoded keys are otherwise
 * prefix-free, so this is the one way a longer key can share a probe's bytes
 * ("a" is 61 00; "a\u0000" is 61 00 FF 00).
 */
export function extendsProbe(u8: Uint8Array, storedKeyStart: number, kb: Uint8Array, kl: number): boolean {
  return kl > 0 && kb[kl - 1] === 0 && u8[storedKeyStart + kl] === ESCAPE;
}
