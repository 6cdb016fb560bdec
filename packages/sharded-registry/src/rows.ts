/**
 * The rows of the shard tables, and the operations on them that more than
 * one module needs.
 */
import type { Pid } from '@erlmcp/otp';
import type { Table } from '@erlmcp/ets';
import { hashBytes, hashString } from './placement';

/** A stored registration: [key, pid node, pid id, meta, the name itself when it is not a string]. */
export type Row = [key: string | Uint8Array, node: number, id: number, meta: unknown, name: unknown];

/** The placement hash of a stored key (a string name, or a name's msgpack bytes). */
export function hashKey(key: string | Uint8Array): number {
  return typeof key === 'string' ? hashString(key) : hashBytes(key);
}

/**
 * Deletes the row of `key` if `pid` holds it. deleteObject removes the row only
 * if it still equals the one read, so a name taken meanwhile by another
 * process stays. True when a row held by `pid` was found (and so deleted,
 * unless another thread changed it in between).
 */
export function deleteIfHeld(table: Table<Row>, key: string | Uint8Array, pid: Pid): boolean {
  const row = table.lookup(key)[0];
  if (row === undefined || row[1] !== pid.node || row[2] !== pid.id) return false;
  table.deleteObject(row);
  return true;
}
