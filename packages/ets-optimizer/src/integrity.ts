/**
 * `table.check()`: every internal table passes its own check(); every cold
 * record decodes; and the shared store counts, for each value, exactly the
 * cold records that hold it (none dangling, none leaked). O(table); for
 * tests and diagnostics, run with no write in flight.
 */
import { IntegrityError } from '@erlmcp/ets';
import { ColdCodec } from './cold-codec';
import type { TableParts } from './parts';
import { isCold, type Stored } from './stored';

export function checkParts(parts: TableParts): void {
  parts.anchor.check();
  for (const t of parts.internal()) t.check();
  const stores = parts.stores;
  if (stores === null) return;
  const held = new Map<number, number>();
  parts.shards.forEach((shard, s) => {
    for (const rec of shard.tab2list() as Stored[]) {
      if (!isCold(rec)) continue;
      const payload = rec[1];
      for (const id of ColdCodec.references(payload)) held.set(id, (held.get(id) ?? 0) + 1);
      try {
        stores.cold.decode(payload);
      } catch (error) {
        throw new IntegrityError(null, `shard ${s}: a cold record does not decode: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  });
  const dedup = stores.dedup;
  if (dedup === null) return;
  for (const [id, count] of dedup.table.tab2list()) {
    const expected = held.get(id as number) ?? 0;
    if (count !== expected)
      throw new IntegrityError(
        null,
        `shared value ${String(id)}: the store counts ${String(count)} references, records hold ${expected}`,
      );
    held.delete(id as number);
  }
  for (const [id, n] of held)
    throw new IntegrityError(null, `shared value ${id}: ${n} records hold it, the store does not`);
}
