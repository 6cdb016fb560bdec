/**
 * Encoding of stored objects with msgpackr, and the checks that keep
 * msgpackr's lossy corners out of a table.
 *
 * msgpackr encodes a function as undefined (silently) and overflows the stack
 * on a cycle; `prepareValue` walks a value first and refuses both, and the
 * objects whose contents msgpackr cannot see (boxed primitives, WeakMap,
 * WeakSet, WeakRef, Promise, SharedArrayBuffer), so a failed insert has
 * written nothing. The same walk boxes what msgpack would flatten: a Map
 * (msgpack maps decode as plain objects with string keys) and -0 (msgpackr
 * writes integral numbers as integers). `moreTypes` makes Set, typed arrays,
 * RegExp and Error round-trip; records (`useRecords`) stay off because their
 * shared structure dictionary would make encodings depend on what was encoded
 * before.
 */
import { addExtension, Packr, Unpackr } from 'msgpackr';
import { UnencodableError } from './errors';

const OPTIONS = { useRecords: false, moreTypes: true, variableMapSize: true, mapsAsObjects: true } as const;
const packr = new Packr(OPTIONS);
const unpackr = new Unpackr(OPTIONS);
const MAX_DEPTH = 512;

/**
 * Extension types of boxed values, written as msgpackr writes its own
 * one-byte tags: `d4 <type> 00`, then an ordinary value. A Map's value is the
 * flat list of its keys and values; -0's is nil. Types 0x50-0x57 are
 * @erlmcp/otp's (msgpackr's extension table is process-wide).
 */
export const MAP_EXT = 0x4d;
export const NEGATIVE_ZERO_EXT = 0x4e;
/** A string with a lone surrogate (msgpack strings are UTF-8, where it would become U+FFFD): its UTF-16LE code units as a binary. */
export const STRING_EXT = 0x4c;

/** A Map on its way into msgpack: its entries, keys and values alternating. */
class BoxedMap {
  constructor(readonly flat: unknown[]) {}
}

/** -0 on its way into msgpack. */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();

/** A string with a lone surrogate on its way into msgpack. */
class BoxedString {
  constructor(readonly units: Buffer) {}
}

/** `String.prototype.isWellFormed` (Node 20; newer than the ES2023 lib): false when a surrogate is unpaired. */
type CheckedString = string & { isWellFormed(): boolean };

/** `s`, or its box when it holds a lone surrogate (one-byte strings answer without a scan). */
function prepareString(s: string): string | BoxedString {
  return (s as CheckedString).isWellFormed() ? s : new BoxedString(Buffer.from(s, 'utf16le'));
}

/** The string of a STRING_EXT payload. RangeError on anything else (the bytes were torn or forged). */
export function stringFromUnits(units: unknown): string {
  if (!(units instanceof Uint8Array) || units.length % 2 !== 0)
    throw new RangeError('msgpack: malformed string extension');
  return Buffer.from(units.buffer, units.byteOffset, units.length).toString('utf16le');
}

/** The Map of a flat key/value list. RangeError on anything else (the bytes were torn or forged). */
export function mapFromFlat(flat: unknown): Map<unknown, unknown> {
  if (!Array.isArray(flat) || flat.length % 2 !== 0) throw new RangeError('msgpack: malformed Map extension');
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
  return map;
}

addExtension({ Class: BoxedMap, type: MAP_EXT, write: (m: BoxedMap) => m.flat, read: mapFromFlat });
addExtension({ Class: NegativeZero, type: NEGATIVE_ZERO_EXT, write: () => null, read: () => -0 });
addExtension({ Class: BoxedString, type: STRING_EXT, write: (s: BoxedString) => s.units, read: stringFromUnits });

/**
 * msgpack bytes of `value`, which `prepareValue` checks and boxes first. The
 * returned view is only valid until the next call (msgpackr reuses its
 * buffer): copy it before encoding anything else.
 */
export function packValue(value: unknown): Uint8Array {
  return packr.pack(prepareValue(value, 'value'));
}

/** `packValue` of a value `prepareValue` returned. */
export function packPrepared(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes `bytes[start, end)`. */
export function unpackValue(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  return unpackr.unpack(bytes, { start, end });
}

/**
 * msgpack bytes of a canonical form of `value`: plain objects with sorted
 * properties, Map entries and Set members sorted by `sortKey`. Returns a copy.
 */
export function packCanonical(value: object, sortKey: (k: unknown) => string): Uint8Array {
  return Uint8Array.from(packr.pack(canonical(value, sortKey, 0)));
}

function canonical(v: unknown, sortKey: (k: unknown) => string, depth: number): unknown {
  if (typeof v === 'string') return prepareString(v);
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => canonical(x, sortKey, depth + 1));
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => [sortKey(k), k, canonical(x, sortKey, depth + 1)] as const);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Map(entries.map(([, k, x]) => [k, x]));
  }
  if (v instanceof Set) {
    const members = [...v].map((x) => [sortKey(x), canonical(x, sortKey, depth + 1)] as const);
    members.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Set(members.map(([, x]) => x));
  }
  if (
    ArrayBuffer.isView(v) ||
    v instanceof ArrayBuffer ||
    v instanceof Date ||
    v instanceof RegExp ||
    v instanceof Error
  )
    return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) setOwn(out, k, canonical(o[k], sortKey, depth + 1));
  return out;
}

/**
 * Throws UnencodableError if `value` holds a function, a symbol, a cycle or
 * an opaque object anywhere msgpackr would look (array elements, own
 * enumerable properties, Map keys and values, Set members).
 */
export function assertEncodable(value: unknown, path: string): void {
  prepareValue(value, path);
}

/**
 * `value` checked as `assertEncodable` does, with every Map and -0 inside it
 * boxed for `packPrepared`: the value itself (no copy) when it holds neither,
 * else a copy of the arrays, plain objects and Sets on the way to them.
 */
export function prepareValue(value: unknown, path: string): unknown {
  switch (typeof value) {
    case 'number':
      return value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value;
    case 'string':
      return prepareString(value);
    case 'function':
      throw new UnencodableError(path, 'a function');
    case 'symbol':
      throw new UnencodableError(path, 'a symbol');
    case 'object':
      return value === null ? null : prepareObject(value, path, []);
    default:
      return value;
  }
}

/** `prepareValue` of element `index` of the tuple `parent`, building its path only if it is needed. */
export function prepareElement(value: unknown, parent: string, index: number): unknown {
  // Only an object needs a list of ancestors (fresh: a throw leaves it unpopped).
  return typeof value === 'object' && value !== null
    ? prepareObject(value, childPath(parent, index), [])
    : prepareChild(value, parent, index, NO_ANCESTORS);
}

/** What a primitive child is passed: prepareChild never reads it for one. */
const NO_ANCESTORS: object[] = [];

function prepareObject(o: object, path: string, ancestors: object[]): unknown {
  if (ancestors.length >= MAX_DEPTH || ancestors.includes(o))
    throw new UnencodableError(path, 'a cyclic or too deeply nested structure');
  if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer || o instanceof Date || o instanceof RegExp) return o;
  const proto = Object.getPrototypeOf(o) as unknown;
  if (proto !== Object.prototype && proto !== Array.prototype) refuseOpaque(o, path);
  ancestors.push(o);
  let out: unknown = o;
  if (Array.isArray(o)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      const p = prepareChild(v, path, i, ancestors);
      if (p !== v) (copy ??= o.slice())[i] = p;
    }
    if (copy !== undefined) out = copy;
  } else if (o instanceof Map) {
    // Always boxed, subclasses too (msgpackr would write a subclass as its own properties: none).
    const flat = new Array<unknown>(o.size * 2);
    let i = 0;
    for (const [k, v] of o as Map<unknown, unknown>) {
      flat[i++] = prepareChild(k, path, '<key>', ancestors);
      flat[i++] = prepareChild(v, path, `.get(${String(k)})`, ancestors);
    }
    out = new BoxedMap(flat);
  } else if (o instanceof Set) {
    const members: unknown[] = [];
    let boxed = false;
    for (const v of o as Set<unknown>) {
      const p = prepareChild(v, path, '<member>', ancestors);
      boxed ||= p !== v;
      members.push(p);
    }
    if (boxed) out = new Set(members);
  } else if (o instanceof Error) {
    out = prepareError(o, path, ancestors);
  } else {
    const record = o as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const k of Object.keys(record)) {
      // A msgpack map's keys are UTF-8 strings, with no room for a box.
      if (!(k as CheckedString).isWellFormed())
        throw new UnencodableError(childPath(path, `.${k}`), 'a property name with a lone surrogate');
      const v = record[k];
      const p = prepareChild(v, path, `.${k}`, ancestors);
      if (p !== v) (copy ??= ownCopy(record))[k] = p;
    }
    // An object with its own toJSON is written by msgpackr its own way, not as a copy of its properties.
    if (copy !== undefined && !(proto !== Object.prototype && typeof record.toJSON === 'function')) out = copy;
  }
  ancestors.pop();
  return out;
}

/**
 * What msgpackr stores of an Error, prepared: its name, message and cause
 * (the cause given to the constructor is not enumerable, so no property walk
 * finds it) and an AggregateError's errors. The Error itself when none
 * changed, else a stand-in of its class carrying the prepared parts.
 */
function prepareError(e: Error, path: string, ancestors: object[]): Error {
  const aggregate = e instanceof AggregateError;
  const parts: [string, unknown, unknown][] = [
    ['name', e.name, undefined],
    ['message', e.message, undefined],
    ['cause', e.cause, undefined],
  ];
  if (aggregate) parts.push(['errors', (e as AggregateError).errors, undefined]);
  let changed = false;
  for (const part of parts) {
    part[2] = prepareChild(part[1], path, `.${part[0]}`, ancestors);
    changed ||= part[2] !== part[1];
  }
  if (!changed) return e;
  const standIn = Object.create(Object.getPrototypeOf(e) as object) as Error;
  for (const [k, , p] of parts)
    Object.defineProperty(standIn, k, { value: p, enumerable: false, writable: true, configurable: true });
  return standIn;
}

/**
 * `prepareValue` of a child at `parent` + `step` (an index or a suffix). The
 * path is only built for a child that is walked or refused: most children are
 * primitives, and building a string for each would cost more than the walk.
 */
function prepareChild(v: unknown, parent: string, step: number | string, ancestors: object[]): unknown {
  switch (typeof v) {
    case 'number':
      return v === 0 && 1 / v < 0 ? NEGATIVE_ZERO : v;
    case 'string':
      return prepareString(v);
    case 'function':
      throw new UnencodableError(childPath(parent, step), 'a function');
    case 'symbol':
      throw new UnencodableError(childPath(parent, step), 'a symbol');
    case 'object':
      return v === null ? null : prepareObject(v, childPath(parent, step), ancestors);
    default:
      return v;
  }
}

function childPath(parent: string, step: number | string): string {
  return typeof step === 'number' ? `${parent}[${step}]` : parent + step;
}

/** A plain object with the own enumerable properties of `o`. */
function ownCopy(o: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(o)) setOwn(copy, k, o[k]);
  return copy;
}

/** `o[k] = v`, where a '__proto__' key makes a property instead of setting the prototype. */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * Objects that msgpackr would write as their (absent) own properties, losing
 * what they hold: refused rather than stored as `{}`.
 */
export function refuseOpaque(o: object, path: string): void {
  if (
    o instanceof Number ||
    o instanceof String ||
    o instanceof Boolean ||
    o instanceof BigInt ||
    o instanceof Symbol
  ) {
    throw new UnencodableError(path, 'a boxed primitive (store the primitive itself)');
  }
  if (o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef || o instanceof Promise || isShared(o)) {
    throw new UnencodableError(
      path,
      `a ${Object.prototype.toString.call(o).slice(8, -1)} (its contents cannot be copied)`,
    );
  }
}

/** The brand check: a SharedArrayBuffer from another realm (jest's vm context) fails `instanceof`. */
export function isShared(o: unknown): o is SharedArrayBuffer {
  return Object.prototype.toString.call(o) === '[object SharedArrayBuffer]';
}
