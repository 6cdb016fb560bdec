/**
 * Names and their table keys. A string name is its own key (the fast path);
 * any other name is keyed by its msgpack encoding, so two names are the same
 * registration exactly when msgpackr encodes them to the same bytes (object
 * property order therefore matters).
 */
import { Packr } from 'msgpackr';
import { inspect } from 'node:util';
import { BadNameError } from './errors';
import { hashBytes, hashString } from './placement';

/** What may be registered: a string, or any value msgpackr encodes faithfully. */
export type Name =
  string | number | bigint | boolean | null | Uint8Array | readonly unknown[] | { readonly [key: string]: unknown };

/** A name's table key (the string itself, or its msgpack bytes) and the hash that places it. */
export interface KeyedName {
  readonly key: string | Uint8Array;
  readonly hash: number;
}

const packr = new Packr({ moreTypes: true, useRecords: false });

export function describe(name: unknown): string {
  return typeof name === 'string' ? JSON.stringify(name) : inspect(name, { depth: 3, breakLength: Infinity });
}

/** Throws BadNameError when `value` holds something msgpackr would drop or loop on. */
export function checkEncodable(value: unknown, what: string, path = what, seen: Set<object> = new Set()): void {
  switch (typeof value) {
    case 'function':
    case 'symbol':
      throw new BadNameError(`${path} is a ${typeof value}: ${what} must be msgpack-encodable`);
    case 'object': {
      if (value === null) return;
      if (seen.has(value)) throw new BadNameError(`${path} is cyclic: ${what} must be msgpack-encodable`);
      if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof RegExp) return;
      seen.add(value);
      if (value instanceof Map) {
        for (const [k, v] of value) {
          checkEncodable(k, what, `${path} key`, seen);
          checkEncodable(v, what, `${path}.${String(k)}`, seen);
        }
      } else if (value instanceof Set || Array.isArray(value)) {
        let i = 0;
        for (const v of value as Iterable<unknown>) checkEncodable(v, what, `${path}[${i++}]`, seen);
      } else {
        for (const k of Object.keys(value))
          checkEncodable((value as Record<string, unknown>)[k], what, `${path}.${k}`, seen);
      }
      seen.delete(value);
      return;
    }
    default:
      return;
  }
}

export function keyOf(name: unknown): KeyedName {
  if (typeof name === 'string') return { key: name, hash: hashString(name) };
  if (name === undefined) throw new BadNameError('undefined is not a name');
  checkEncodable(name, 'a name', 'name');
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(name);
  } catch (error) {
    throw new BadNameError(`msgpackr cannot encode the name ${describe(name)}`, error);
  }
  return { key: bytes, hash: hashBytes(bytes) };
}

/** A string that identifies a key, for Maps and Sets (bytes compare by identity there). */
export function keyId(key: string | Uint8Array): string {
  return typeof key === 'string'
    ? `s${key}`
    : `b${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')}`;
}
