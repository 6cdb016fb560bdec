/**
 * The session-cache workload of the ets-optimizer scenarios (shipped with
 * @erlmcp/ets-optimizer: sessionWorkload, skewedIndexes), and the two
 * tables they compare: an optimized table and a plain @erlmcp/ets table with
 * the options its shards use.
 */
import { Ets, type Table } from '@erlmcp/ets';
import { OptimizedTable, sessionWorkload, skewedIndexes, type OptimizedTableOptions } from '@erlmcp/ets-optimizer';

export const workload = sessionWorkload(1);
/** The hot minority: the first 10% of the keys get 90% of the reads. */
export const HOT_FRACTION = 0.1;
const BATCH = 50_000;
const PLAIN_TABLE_BYTES = 1 << 30;

/** Plain tables holding `n` records: one while they fit its 1 GiB arena, else as many as needed, keys spread by hash. */
export class PlainTables {
  readonly tables: Table[];
  constructor(n: number, recordBytes = 5000) {
    const count = Math.max(1, Math.ceil((n * recordBytes) / PLAIN_TABLE_BYTES));
    this.tables = Array.from({ length: count }, (_, i) =>
      Ets.new(`plain-${i}`, {
        access: 'public',
        readConcurrency: true,
        writeConcurrency: true,
        maxBytes: PLAIN_TABLE_BYTES,
      }),
    );
  }

  of(i: number): Table {
    return this.tables[i % this.tables.length]!;
  }

  fill(n: number): this {
    for (let i = 0; i < n; i++) this.of(i).insert(workload.record(i));
    return this;
  }

  bytes(): number {
    return this.tables.reduce((s, t) => s + t.info().memory, 0);
  }

  delete(): void {
    for (const t of this.tables) Ets.delete(t);
  }
}

/**
 * An optimized table in its steady state for `n` records: inserted in
 * batches with a maintenance pass demoting each batch (as the owner's timer
 * would), then the skewed reads of a session cache (which promote the hot
 * minority back), then one ordinary pass.
 */
export function steadyTable(n: number, options: OptimizedTableOptions = {}): OptimizedTable {
  const table = OptimizedTable.create('sessions', { access: 'public', ...options });
  for (let from = 0; from < n; from += BATCH) {
    for (let i = from; i < Math.min(n, from + BATCH); i++) table.insert(workload.record(i));
    table.maintain({ demoteAll: true });
  }
  const reads = skewedIndexes(n, Math.min(4 * n, 400_000), 3, HOT_FRACTION, 0.9);
  for (const i of reads) table.lookup(workload.key(i));
  table.maintain();
  return table;
}

/** Indexes of hot keys (all within the hot minority) and of cold keys (outside it), for timed lookups. */
export function hotIndexes(n: number, count: number): Int32Array {
  return skewedIndexes(n, count, 5, HOT_FRACTION, 1);
}

export function coldIndexes(n: number, count: number): Int32Array {
  const hot = Math.floor(n * HOT_FRACTION);
  const out = new Int32Array(count);
  // Distinct keys, each read once: a stride over the cold part.
  for (let i = 0; i < count; i++) out[i] = hot + ((i * 7919) % (n - hot));
  return out;
}
