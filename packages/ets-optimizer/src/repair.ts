/**
 * Putting the shared store's reference counts right after a thread died in
 * the middle of a write, a migration or a compaction.
 *
 * A cold record takes its references before it is published and drops them
 * after it is unpublished, so a thread that dies between the two steps
 * leaves counts too high (a value kept too long), never too low (a record
 * whose value is gone). The audit recounts: with every shard's gate held
 * exclusively (no write in flight, as every write holds its shard's gate
 * from before its references are taken until after they are dropped), it
 * counts the references the cold records hold and sets each value's count
 * to that, freeing the values no record holds. Maintenance runs it when
 * a thread has died since the last audit; `table.repair()` runs it by hand.
 */
import { isCold, type Stored } from './stored';
import { ColdCodec } from './cold-codec';
import type { TableParts } from './parts';

export interface RepairReport {
  /** Values whose count was wrong. */
  fixed: number;
  /** Values no record held, freed. */
  freed: number;
}

export function repairReferences(parts: TableParts): RepairReport {
  const report: RepairReport = { fixed: 0, freed: 0 };
  const dedup = parts.stores?.dedup ?? null;
  const dir = parts.directory;
  const deaths = dir.deaths();
  if (dedup === null) {
    dir.audited(deaths);
    return report;
  }
  dir.exclusiveAll(() => {
    const held = new Map<number, number>();
    for (const shard of parts.shards) {
      for (const rec of shard.tab2list() as Stored[]) {
        if (isCold(rec)) for (const id of ColdCodec.references(rec[1])) held.set(id, (held.get(id) ?? 0) + 1);
      }
    }
    for (const row of dedup.table.tab2list()) {
      const [id, count, value] = row;
      const want = held.get(id as number) ?? 0;
      if (count === want) continue;
      if (want === 0) {
        if (dedup.table.replaceObject(row)) report.freed++;
      } else if (dedup.table.replaceObject(row, [id, want, value])) {
        report.fixed++;
      }
    }
  });
  dir.audited(deaths);
  return report;
}
