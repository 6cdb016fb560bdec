// Past 400 lines on purpose: one decoder of one wire format (what msgpackr writes) and the
// caches its decode loop reads on every value (short strings, object shapes); the helpers
// below serve only it.
/**
 * A msgpack decoder for what msgpackr's packer writes, tuned for small
 * records and safe on memory another thread may be changing.
 *
 * Lookups decode straight from the table's shared memory and validate the
 * stripe's sequence afterwards, so a decode may run over torn bytes. Every read
 * is bounds-checked against the record's end, and a container's length is
 * checked against the bytes left before anything is allocated, so garbage
 * costs at most one record's worth of work and ends in a RangeError.
 *
 * Extension types (Date, typed arrays, RegExp, big bigints) are handed to
 * msgpackr on a private copy of their bytes, so they decode exactly as msgpackr
 * decodes them; value-codec's own (a Map, -0, a string with a lone surrogate),
 * Sets and Errors (whose parts are ordinary values) are decoded here.
 * The rest follows msgpackr's decoding options used here (`mapsAsObjects`:
 * maps become plain objects with string keys; 64-bit integers become bigints).
 */
import { MAP_EXT, NEGATIVE_ZERO_EXT, STRING_EXT, mapFromFlat, stringFromUnits, unpackValue } from './value-codec';

const STRING_CACHE_SIZE = 4096;
/** Longest string the caches hold (a fixstr's limit). */
const MAX_CACHED_STRING = 31;
const CACHE_SLOT_WORDS = 8;
const MAX_SHAPE_KEYS = 16;
const MAX_SHAPES = 1024;
const SHAPE_WARMUP = 2;
/** msgpackr's extension type of a Set (`moreTypes`): a marker, then the members as an array. */
const SET_EXT = 0x73;
/** msgpackr's extension type of an Error (`moreTypes`): a marker, then [name, message, cause] (and an AggregateError's errors). */
const ERROR_EXT = 0x65;
/** The built-in Error classes an Error is rebuilt as, by name (any other name: an Error with that name). */
const ERROR_CLASSES: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

export class ValueReader {
  /** @internal The bytes being decoded, the read position and the end (the generated shape decoders read them). */
  b: Buffer = Buffer.alloc(0);
  /** @internal */
  pos = 0;
  /** @internal */
  end = 0;
  /** @internal A view of `b` for big-endian floats (remade only when `b` changes: the table's memory grew). */
  dv = new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
  private readonly keyCache = new StringCache();
  private readonly valueCache = new StringCache();
  private ext: Buffer = Buffer.allocUnsafeSlow(256);
  /** Where a string entering a cache is copied first (MAX_CACHED_STRING bytes and a word's padding). */
  private readonly scratch: Buffer = Buffer.alloc(MAX_CACHED_STRING + 4);
  private readonly shapes = new ShapeNode(null, '');
  /** The shape of the last map decoded with each key count: the guess for the next one. */
  private readonly lastShape: Array<ShapeNode | undefined> = new Array<ShapeNode | undefined>(MAX_SHAPE_KEYS + 1);
  /** @internal Shape nodes created (bounded, so hostile data cannot grow the trie without limit). */
  shapeCount = 0;

  /** Decodes the single msgpack value in `b[start, end)`. Throws RangeError on malformed input. */
  decode(b: Buffer, start: number, end: number): unknown {
    if (end > b.length || start < 0 || start >= end) throw new RangeError('msgpack: bad range');
    if (b !== this.b) {
      this.b = b;
      this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    this.pos = start;
    this.end = end;
    const v = this.read();
    if (this.pos !== end) throw new RangeError('msgpack: trailing bytes');
    return v;
  }

  private fail(): never {
    throw new RangeError('msgpack: malformed or truncated value');
  }

  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.end) this.fail();
    this.pos = p + n;
    return p;
  }

  /** @internal Reads the next value (called by the generated shape decoders too). */
  read(): unknown {
    const b = this.b;
    const t = b[this.need(1)]!;
    if (t < 0x80) return t;
    if (t < 0x90) return this.map(t & 0x0f);
    if (t < 0xa0) return this.array(t & 0x0f);
    if (t < 0xc0) return (t & 0x1f) === 0 ? '' : this.cachedString(t & 0x1f, this.valueCache);
    if (t >= 0xe0) return t - 0x100;
    let p: number;
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.binary(b[this.need(1)]!);
      case 0xc5:
        p = this.need(2);
        return this.binary((b[p]! << 8) | b[p + 1]!);
      case 0xc6:
        p = this.need(4);
        return this.binary(u32(b, p));
      case 0xc7:
        return this.extension(this.pos - 1, b[this.need(1)]!);
      case 0xc8:
        p = this.need(2);
        return this.extension(p - 1, (b[p]! << 8) | b[p + 1]!);
      case 0xc9:
        p = this.need(4);
        return this.extension(p - 1, u32(b, p));
      case 0xca:
        return this.dv.getFloat32(this.need(4));
      case 0xcb:
        return this.dv.getFloat64(this.need(8));
      case 0xcc:
        return b[this.need(1)];
      case 0xcd:
        p = this.need(2);
        return (b[p]! << 8) | b[p + 1]!;
      case 0xce:
        return u32(b, this.need(4));
      case 0xcf:
        p = this.need(8);
        return (BigInt(u32(b, p)) << 32n) | BigInt(u32(b, p + 4));
      case 0xd0:
        return (b[this.need(1)]! << 24) >> 24;
      case 0xd1:
        p = this.need(2);
        return (((b[p]! << 8) | b[p + 1]!) << 16) >> 16;
      case 0xd2:
        p = this.need(4);
        return u32(b, p) | 0;
      case 0xd3:
        p = this.need(8);
        return (BigInt(u32(b, p) | 0) << 32n) | BigInt(u32(b, p + 4));
      case 0xd4:
        // msgpackr writes undefined as fixext1 type 0, data 0.
        p = this.need(2);
        if (b[p] === 0 && b[p + 1] === 0) return undefined;
        // value-codec's boxed Map and -0, and msgpackr's Set: decoded here, so their
        // members take the fast paths too (and a '__proto__' property stays a property).
        if (b[p] === MAP_EXT) return mapFromFlat(this.read());
        if (b[p] === STRING_EXT) return stringFromUnits(this.read());
        if (b[p] === SET_EXT) {
          const members = this.read();
          if (!Array.isArray(members)) this.fail();
          return new Set(members);
        }
        if (b[p] === NEGATIVE_ZERO_EXT) {
          if (this.read() !== null) this.fail();
          return -0;
        }
        // An Error's parts are decoded here too: msgpackr's decoder would rename a '__proto__' property of its cause.
        if (b[p] === ERROR_EXT) return errorFromParts(this.read());
        // RegExp is a one-byte marker followed by an ordinary value.
        if (b[p] === 0x78) this.read();
        return this.extensionAt(p - 1, this.pos);
      case 0xd5:
        return this.extensionAt(this.pos - 1, this.need(3) + 3);
      case 0xd6:
        return this.extensionAt(this.pos - 1, this.need(5) + 5);
      case 0xd7:
        return this.extensionAt(this.pos - 1, this.need(9) + 9);
      case 0xd8:
        return this.extensionAt(this.pos - 1, this.need(17) + 17);
      case 0xd9:
        return this.string(b[this.need(1)]!);
      case 0xda:
        p = this.need(2);
        return this.string((b[p]! << 8) | b[p + 1]!);
      case 0xdb:
        return this.string(u32(b, this.need(4)));
      case 0xdc:
        p = this.need(2);
        return this.array((b[p]! << 8) | b[p + 1]!);
      case 0xdd:
        return this.array(u32(b, this.need(4)));
      case 0xde:
        p = this.need(2);
        return this.map((b[p]! << 8) | b[p + 1]!);
      case 0xdf:
        return this.map(u32(b, this.need(4)));
      default:
        return this.fail();
    }
  }

  private array(n: number): unknown[] {
    if (n > this.end - this.pos) this.fail();
    // Small tuples as literals: packed elements from the start, no holey array to fill.
    if (n === 2) return [this.read(), this.read()];
    if (n === 3) return [this.read(), this.read(), this.read()];
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.read();
    return out;
  }

  private map(n: number): Record<string, unknown> {
    if (n * 2 > this.end - this.pos) this.fail();
    if (n === 0) return {};
    // Most tables hold objects of one shape: try the last shape of this size
    // first, matching its key bytes as they come instead of decoding them.
    const guess = n <= MAX_SHAPE_KEYS ? this.lastShape[n] : undefined;
    if (guess !== undefined) {
      const start = this.pos;
      const o = guess.decoder!(this);
      if (o !== undefined) return o;
      this.pos = start;
    }
    // Objects of a shape seen before are built by a generated literal: V8 gives
    // them one hidden class at once, instead of n megamorphic keyed stores.
    const values = new Array<unknown>(n);
    let node: ShapeNode | undefined = n <= MAX_SHAPE_KEYS ? this.shapes : undefined;
    let keys: string[] | undefined = node === undefined ? new Array<string>(n) : undefined;
    for (let i = 0; i < n; i++) {
      const t = this.b[this.pos];
      const key = t !== undefined && t >= 0xa0 && t < 0xc0 ? this.key(t & 0x1f) : String(this.read());
      values[i] = this.read();
      if (node !== undefined) {
        const next = node.child(key, this);
        if (next === undefined) {
          keys = node.keys();
          keys[i] = key;
        }
        node = next;
      } else {
        keys![i] = key;
      }
    }
    if (node === undefined) return this.assemble(undefined, keys!, values);
    if (node.factory === null) return this.assemble(node, node.keys(), values);
    if (node.decoder !== null) this.lastShape[n] = node;
    return node.factory(values);
  }

  /** Builds an object the slow way, and makes a factory once its shape has been seen often enough. */
  private assemble(node: ShapeNode | undefined, keys: string[], values: unknown[]): Record<string, unknown> {
    const n = values.length;
    if (
      node !== undefined &&
      ++node.seen >= SHAPE_WARMUP &&
      !keys.includes('__proto__') &&
      this.shapeCount < MAX_SHAPES
    ) {
      this.shapeCount++;
      node.factory = makeFactory(keys);
      node.decoder = makeDecoder(keys);
      return node.factory(values);
    }
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: values[i], enumerable: true, writable: true, configurable: true });
      else out[key] = values[i];
    }
    return out;
  }

  /** A short map key, through a cache of recently decoded keys (most tables repeat a few property names). */
  private key(len: number): string {
    this.pos++;
    return len === 0 ? '' : this.cachedString(len, this.keyCache);
  }

  /**
   * A short string through a direct-mapped cache of recent ones: a hit costs a
   * compare instead of an allocation, and repeated values (a node name, a
   * status) then share one string, as they would in the writer's heap.
   */
  private cachedString(len: number, cache: StringCache): string {
    const b = this.b;
    const p = this.need(len);
    const slot = (len * 31 + b[p]! * 7 + b[p + len - 1]! * 13 + b[p + (len >> 1)]!) & (STRING_CACHE_SIZE - 1);
    // Compare the cached string's bytes, four at a time, not its characters.
    const words = cache.words;
    const w = slot * CACHE_SLOT_WORDS;
    if (cache.lengths[slot] === len && this.sameBytes(p, len, words, w)) return cache.strings[slot]!;
    if (len > MAX_CACHED_STRING) {
      this.pos = p;
      return this.string(len);
    }
    // Key and string come from one private copy of the bytes: another thread may be
    // rewriting them (that read is then discarded, but the cache entry outlives it, so
    // its bytes and its string must agree).
    const copy = this.scratch;
    b.copy(copy, 0, p, p + len);
    copy.fill(0, len, len + 3);
    for (let i = 0; i < len; i += 4)
      words[w + (i >> 2)] = copy[i]! | (copy[i + 1]! << 8) | (copy[i + 2]! << 16) | (copy[i + 3]! << 24);
    cache.lengths[slot] = len;
    const s = (len <= 16 ? asciiAt(copy, 0, len) : null) ?? (copy as NativeSlices).utf8Slice(0, len);
    cache.strings[slot] = s;
    return s;
  }

  /** True when `b[p, p + len)` equals the little-endian words from `words[w]` on. */
  private sameBytes(p: number, len: number, words: Int32Array, w: number): boolean {
    const dv = this.dv;
    let i = 0;
    for (; i + 4 <= len; i += 4) if (dv.getInt32(p + i, true) !== words[w + (i >> 2)]) return false;
    // The last one to three bytes one by one: a whole word could run past the buffer.
    const b = this.b;
    for (let word = words[w + (i >> 2)]!; i < len; i++, word >>>= 8) if (b[p + i] !== (word & 0xff)) return false;
    return true;
  }

  private string(len: number): string {
    const p = this.need(len);
    return this.stringAt(p, len);
  }

  /** @internal The UTF-8 string in `b[p, p + len)` (the caller has checked the range). */
  stringAt(p: number, len: number): string {
    const b = this.b;
    if (len <= 16) {
      const s = asciiAt(b, p, len);
      if (s !== null) return s;
    }
    return (b as NativeSlices).utf8Slice(p, p + len);
  }

  private binary(len: number): Buffer {
    const p = this.need(len);
    return Buffer.from(this.b.subarray(p, p + len));
  }

  /** An ext value with a length-prefixed payload: `start` is its first byte, `len` the payload length. */
  private extension(start: number, len: number): unknown {
    this.need(1 + len);
    return this.extensionAt(start, this.pos);
  }

  /** Decodes the ext value at [start, end) with msgpackr, from a private copy. */
  private extensionAt(start: number, end: number): unknown {
    const len = end - start;
    if (this.ext.length < len) this.ext = Buffer.allocUnsafeSlow(Math.max(len, this.ext.length * 2));
    const ext = this.ext;
    this.b.copy(ext, 0, start, end);
    return unpackValue(ext, 0, len);
  }
}

/** The Error of an ERROR_EXT payload, built as msgpackr's decoder builds it (but for a message that is not a string). RangeError when the payload is not one (torn or forged bytes). */
function errorFromParts(parts: unknown): Error {
  if (!Array.isArray(parts) || parts.length < 3 || parts.length > 4)
    throw new RangeError('msgpack: malformed Error extension');
  const [name, message, cause, errors] = parts as [unknown, unknown, unknown, unknown];
  // A message that is not a string is set as is: the constructors would convert it, or throw on an object they cannot convert.
  const text = typeof message === 'string' ? message : undefined;
  let error: Error;
  if (name === 'AggregateError') error = new AggregateError(Array.isArray(errors) ? errors : [], text, { cause });
  else {
    const known =
      typeof name === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CLASSES, name)
        ? ERROR_CLASSES[name]!
        : undefined;
    error = new (known ?? Error)(text, { cause });
    if (known === undefined) error.name = name as string;
  }
  if (text === undefined && message !== undefined)
    Object.defineProperty(error, 'message', { value: message, writable: true, enumerable: false, configurable: true });
  return error;
}

/** Direct-mapped cache of short strings, keyed and compared by their UTF-8 bytes. */
class StringCache {
  readonly strings: Array<string | undefined> = new Array<string | undefined>(STRING_CACHE_SIZE);
  /** Byte length of each slot's string (0: empty). */
  readonly lengths = new Uint8Array(STRING_CACHE_SIZE);
  /** Each slot's bytes as little-endian words, CACHE_SLOT_WORDS per slot. */
  readonly words = new Int32Array(STRING_CACHE_SIZE * CACHE_SLOT_WORDS);
}

type Factory = (values: unknown[]) => Record<string, unknown>;

/** A node of the trie of property-name sequences (object shapes) the reader has decoded. */
class ShapeNode {
  seen = 0;
  factory: Factory | null = null;
  /** Decodes a map of this shape in one pass (null when a key is too long to match as a fixstr). */
  decoder: ShapeDecoder | null = null;
  private first: ShapeNode | null = null;
  private more: Map<string, ShapeNode> | null = null;

  constructor(
    private readonly parent: ShapeNode | null,
    private readonly key: string,
  ) {}

  /** The node for this shape plus `key`; undefined once the trie is full. */
  child(key: string, owner: { shapeCount: number }): ShapeNode | undefined {
    const first = this.first;
    if (first !== null && first.key === key) return first;
    const known = this.more?.get(key);
    if (known !== undefined) return known;
    if (owner.shapeCount >= MAX_SHAPES) return undefined;
    owner.shapeCount++;
    const node = new ShapeNode(this, key);
    if (first === null) this.first = node;
    else (this.more ??= new Map()).set(key, node);
    return node;
  }

  keys(): string[] {
    const out: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk up the parent chain starts at this node
    for (let n: ShapeNode | null = this; n !== null && n.parent !== null; n = n.parent) out.push(n.key);
    return out.reverse();
  }
}

/** `(v) => ({ "k0": v[0], "k1": v[1], ... })`; names are JSON-quoted, so any string is a safe literal key. */
function makeFactory(keys: string[]): Factory {
  const body = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from JSON-quoted keys only, as said above
  return new Function('v', `return { ${body} };`) as Factory;
}

type ShapeDecoder = (r: ValueReader) => Record<string, unknown> | undefined;

/**
 * Decodes a map of a known shape in one pass: each key's bytes (fixstr
 * header and UTF-8) are compared as constants in the generated code, so the
 * keys are neither decoded nor looked up, and the values go straight into
 * the literal. Values of the usual types are read inline (short strings,
 * doubles, small integers); any other goes through `r.read()`. Each property
 * remembers its last ASCII string: a value repeated across records (a node
 * name, a status) is compared instead of allocated again, and one that
 * differs is told apart at its first differing byte. Undefined (after a key
 * mismatch) sends the caller back to the general path, which re-reads the
 * map from its start.
 */
function makeDecoder(keys: string[]): ShapeDecoder | null {
  const steps: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const bytes = Buffer.from(keys[i]!, 'utf8');
    if (bytes.length > 31) return null;
    const encoded = [0xa0 | bytes.length, ...bytes];
    const same = encoded.map((byte, j) => `b[p + ${j}] === ${byte}`).join(' && ');
    steps.push(
      `if (p + ${encoded.length} > end || !(${same})) return undefined;`,
      `p += ${encoded.length};`,
      `let v${i};`,
      `t = b[p];`,
      `if (t >= 0xa0 && t < 0xc0 && p + 1 + (t & 0x1f) <= end) {`,
      `  n = t & 0x1f; s = last[${i}];`,
      `  if (s !== undefined && s.length === n && sameAscii(b, p + 1, s)) v${i} = s;`,
      `  else if (n > 0 && n <= 16 && (s = asciiAt(b, p + 1, n)) !== null) v${i} = last[${i}] = s;`,
      `  else v${i} = r.stringAt(p + 1, n);`,
      `  p += 1 + n;`,
      `}`,
      `else if (t === 0xcb && p + 9 <= end) { v${i} = r.dv.getFloat64(p + 1); p += 9; }`,
      `else if (t < 0x80 && p < end) { v${i} = t; p += 1; }`,
      `else { r.pos = p; v${i} = r.read(); p = r.pos; }`,
    );
  }
  const body = keys.map((k, i) => `${JSON.stringify(k)}: v${i}`).join(', ');
  const source = `return function (r) {\nconst b = r.b, end = r.end;\nlet p = r.pos, t, n, s;\n${steps.join('\n')}\nr.pos = p;\nreturn { ${body} };\n};`;
  // Only ASCII strings are remembered: their char codes are their UTF-8 bytes, so a match is exact.
  const last: Array<string | undefined> = new Array<string | undefined>(keys.length);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a decoder generated per shape; keys enter JSON-quoted only
  const make = new Function('last', 'sameAscii', 'asciiAt', source) as (
    l: typeof last,
    s: typeof sameAscii,
    a: typeof asciiAt,
  ) => ShapeDecoder;
  return make(last, sameAscii, asciiAt);
}

/** True when `b[p, p + s.length)` holds the char codes of `s` (an ASCII string). */
function sameAscii(b: Uint8Array, p: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (b[p + i] !== s.charCodeAt(i)) return false;
  return true;
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Buffer's native decoder, undeclared in @types/node; `toString('utf8', ...)` wraps it with argument checks. */
type NativeSlices = Buffer & { utf8Slice(start: number, end: number): string };

/**
 * `asciiAt(b, p, len)`: the string of the `len` (1 to 16) bytes at `p` when
 * all are ASCII, else null. Generated as one case per length that loads each
 * byte once, checks them together and passes them to String.fromCharCode as
 * that many arguments: V8 builds a short string fastest from a call with a
 * fixed argument count (a loop, apply or Buffer's latin1Slice cost 3-6x).
 */
const asciiAt = ((): ((b: Uint8Array, p: number, len: number) => string | null) => {
  const cases: string[] = [];
  for (let n = 1; n <= 16; n++) {
    const names = Array.from({ length: n }, (_, i) => `c${i}`);
    const loads = names.map((c, i) => `${c} = b[p + ${i}]`).join(', ');
    cases.push(
      `case ${n}: { const ${loads}; return ((${names.join(' | ')}) & 0x80) === 0 ? fcc(${names.join(', ')}) : null; }`,
    );
  }
  const source = `return function asciiAt(b, p, len) {\nswitch (len) {\n${cases.join('\n')}\n}\nreturn null;\n};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the loop above, no outside input
  const make = new Function('fcc', source) as (
    fcc: typeof String.fromCharCode,
  ) => (b: Uint8Array, p: number, len: number) => string | null;
  return make(String.fromCharCode);
})();
