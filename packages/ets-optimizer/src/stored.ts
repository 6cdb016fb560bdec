/**
 * How an object sits in its shard (an @erlmcp/ets table keyed at 1, so the
 * key is stored once, in its canonical encoding, and comes back as a plain
 * table returns keys). The record's arity says its form:
 *
 *   [key, value]          hot pair: the object itself, when it is a pair keyed
 *                         at 1 (the usual record): stored and decoded exactly
 *                         as a plain table stores and decodes it
 *   [key, payload, 0]     hot: any other object, its key slot set to null
 *   [key, bytes, 1]       cold: the compact bytes of the payload (cold-codec.ts)
 *
 * One object has one hot form, so a bag (which compares stored records)
 * sees equal objects as equal.
 */
import { BadArgError } from '@erlmcp/ets';

export type Stored =
  | [key: unknown, value: unknown]
  | [key: unknown, payload: unknown[], tag: 0]
  | [key: unknown, bytes: Uint8Array, tag: 1];
export type ColdRecord = [key: unknown, bytes: Uint8Array, tag: 1];

const HOT = 0;
const COLD = 1;

/** Where cold payloads come from and go (null: the table stores every record hot). */
export interface ColdForm {
  /** Compact bytes of a payload (takes references in the shared stores). */
  encode(payload: unknown[]): Uint8Array;
  /** The payload of compact bytes (a fresh array). */
  decode(bytes: Uint8Array): unknown[];
  /** Drops the references `bytes` holds (called once the record is unpublished). */
  release(bytes: Uint8Array): void;
}

/** The hot record of `object`; BadArgError (as a plain table throws) if it is not a tuple with a key. */
export function hotRecord(object: unknown, kp: number, what: string): Stored {
  if (!Array.isArray(object))
    throw new BadArgError(`${what}: an object must be a tuple (an array), got ${typeof object}`);
  if (object.length <= kp)
    throw new BadArgError(`${what}: the tuple has ${object.length} elements, fewer than keyPos ${kp + 1}`);
  if (kp === 0 && object.length === 2) return [object[0], object[1]];
  const payload = object.slice();
  payload[kp] = null;
  return [object[kp], payload, HOT];
}

export function coldRecord(key: unknown, bytes: Uint8Array): ColdRecord {
  return [key, bytes, COLD];
}

export function isCold(rec: Stored): rec is ColdRecord {
  return rec.length === 3 && rec[2] === COLD;
}

/** The object with its key slot null, as a fresh array (what the cold form encodes), of a hot record. */
export function payloadOf(rec: Stored, kp: number): unknown[] {
  if (rec.length === 2) return [null, rec[1]];
  const payload = (rec[1] as unknown[]).slice();
  payload[kp] = null;
  return payload;
}

/**
 * The object a record holds. `owned`: the record came from a read that no
 * one else holds, so its arrays may become the result; otherwise a fresh
 * array, and the record stays as read (for a later compare-and-swap).
 */
export function objectOf(rec: Stored, kp: number, cold: ColdForm | null, owned: boolean): unknown[] {
  if (rec.length === 2) return owned ? rec : [rec[0], rec[1]];
  const object =
    rec[2] === COLD
      ? cold!.decode(rec[1] as Uint8Array)
      : owned
        ? (rec[1] as unknown[])
        : (rec[1] as unknown[]).slice();
  object[kp] = rec[0];
  return object;
}
