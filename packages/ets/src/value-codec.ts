/**
 * Encoding of stored objects with msgpackr, and the checks that keep
 * msgpackr's lossy corners out of a table.
 *
 * msgpackr encodes a function as undefined (silently) and overflows the stack
 * on a cycle; `assertEncodable` walks a value first and refuses both, so a
 * failed insert has written nothing. `moreTypes` makes Set, typed arrays,
 * RegExp and Error round-trip; records (`useRecords`) stay off because their
 * shared structure dictionary would make encodings depend on what was encoded
 * before.
 */
import { Packr, Unpackr } from 'msgpackr';
import { UnencodableError } from './errors';

const OPTIONS = { useRecords: false, moreTypes: true, variableMapSize: true, mapsAsObjects: true } as const;
const packr = new Packr(OPTIONS);
const unpackr = new Unpackr(OPTIONS);
const MAX_DEPTH = 512;

/**
 * msgpack bytes of `value`. The returned view is only valid until the next
 * call (msgpackr reuses its buffer): copy it before encoding anything else.
 */
export function packValue(value: unknown): Uint8Array {
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
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp || v instanceof Error) return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = canonical(o[k], sortKey, depth + 1);
  return out;
}

/**
 * Throws UnencodableError if `value` holds a function, a symbol or a cycle
 * anywhere msgpackr would look (array elements, own enumerable properties,
 * Map keys and values, Set members).
 */
export function assertEncodable(value: unknown, path: string): void {
  const t = typeof value;
  if (t === 'function') throw new UnencodableError(path, 'a function');
  if (t === 'symbol') throw new UnencodableError(path, 'a symbol');
  if (t !== 'object' || value === null) return;
  walk(value as object, path, []);
}

function walk(o: object, path: string, ancestors: object[]): void {
  if (ancestors.length >= MAX_DEPTH || ancestors.includes(o)) throw new UnencodableError(path, 'a cyclic or too deeply nested structure');
  if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer || o instanceof Date || o instanceof RegExp) return;
  ancestors.push(o);
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) check(o[i], `${path}[${i}]`, ancestors);
  } else if (o instanceof Map) {
    for (const [k, v] of o) {
      check(k, `${path}<key>`, ancestors);
      check(v, `${path}.get(${String(k)})`, ancestors);
    }
  } else if (o instanceof Set) {
    for (const v of o) check(v, `${path}<member>`, ancestors);
  } else {
    const record = o as Record<string, unknown>;
    for (const k of Object.keys(record)) check(record[k], `${path}.${k}`, ancestors);
  }
  ancestors.pop();
}

function check(v: unknown, path: string, ancestors: object[]): void {
  const t = typeof v;
  if (t === 'function') throw new UnencodableError(path, 'a function');
  if (t === 'symbol') throw new UnencodableError(path, 'a symbol');
  if (t === 'object' && v !== null) walk(v as object, path, ancestors);
}
