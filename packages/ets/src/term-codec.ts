/**
 * The value codec and key hash that tables use, for layers built over
 * tables (such as @erlmcp/ets-optimizer) that store values in another form
 * and must keep a table's semantics: values round-trip exactly as a table
 * returns them, and equal keys (`termEquals`) hash alike.
 */
import { KeyWriter } from './key-codec';
import { packPrepared, prepareValue, unpackValue } from './value-codec';
import { xxh32 } from './xxh32';

const writer = new KeyWriter();

/**
 * The bytes a table stores for `value` (msgpack with the table's
 * extensions), as a fresh copy. Throws `UnencodableError` naming `path`
 * (and the place inside the value) for what a table refuses.
 */
export function encodeValue(value: unknown, path = 'value'): Uint8Array {
  return Uint8Array.from(packPrepared(prepareValue(value, path)));
}

/** The value of `bytes[start, end)` written by `encodeValue`, as a table would return it. */
export function decodeValue(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  return unpackValue(bytes, start, end);
}

/**
 * XXH32 of the canonical encoding of `term` (the one keys are compared by),
 * with `seed`: equal keys give equal hashes (`1` and `1.0`, `{a, b}` and
 * `{b, a}`). Tables place keys with seed 0; use another seed to spread keys
 * independently of that placement.
 */
export function hashTerm(term: unknown, seed = 0): number {
  const n = writer.encode(term);
  return xxh32(writer.buf, 0, n, seed) >>> 0;
}
