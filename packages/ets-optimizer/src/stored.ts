/**
 * How an object sits in its shard. Every shard record is a pair
 * `[key, payload]`: the payload is the object with its key slot set to null
 * (hot: an array, stored and decoded as a plain table does) or the compact
 * bytes of that array (cold: a Uint8Array, see cold-codec.ts). A shard is
 * an @erlmcp/ets table keyed at 1, so the key is stored once, in its
 * canonical encoding, and comes back as a plain table returns keys.
 */
import { BadArgError } from '@erlmcp/ets';

export type Payload = unknown[] | Uint8Array;
export type Stored = [key: unknown, payload: Payload];
/** A record in its hot form. */
export type HotRecord = [key: unknown, payload: unknown[]];

/** Where cold payloads come from and go (null: the table stores every record hot). */
export interface ColdForm {
  /** Compact bytes of a payload (takes references in the shared stores). */
  encode(payload: unknown[]): Uint8Array;
  /** The payload of compact bytes (a fresh array). */
  decode(bytes: Uint8Array): unknown[];
  /** Drops the references `bytes` holds (called once the record is unpublished). */
  release(bytes: Uint8Array): void;
}

/** The key and hot payload of `object`; BadArgError (as a plain table throws) if it is not a tuple. */
export function split(object: unknown, kp: number, what: string): HotRecord {
  if (!Array.isArray(object)) throw new BadArgError(`${what}: an object must be a tuple (an array), got ${typeof object}`);
  if (object.length <= kp) throw new BadArgError(`${what}: the tuple has ${object.length} elements, fewer than keyPos ${kp + 1}`);
  const payload = object.slice();
  payload[kp] = null;
  return [object[kp], payload];
}

export function isCold(rec: Stored): boolean {
  return rec[1] instanceof Uint8Array;
}
