/** The ets-optimizer scenarios: each function measures one side (ours, or the plain table / Map it is compared with). */
import { OptimizedTable, type OptimizedTableOptions } from '@erlmcp/ets-optimizer';
import { heapAfterGc, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';
import { coldIndexes, hotIndexes, PlainTables, steadyTable, workload } from './shared';

const LOOKUPS = 200_000;

/** Bytes of an optimized table in its steady state (`memory().total`: shared memory in use). */
export async function optimizedBytes(n: number, options: OptimizedTableOptions = {}): Promise<Measurement> {
  const table = steadyTable(n, options);
  const m = table.memory();
  const tiers = table.tiers();
  const value = m.total;
  const detail = {
    shards: m.shards.used,
    dictionary: m.dictionary.used,
    dedup: m.dedup.used,
    compressionDictionaries: m.compressionDictionaries.used,
    control: m.control.used,
    capacity: m.capacity,
    heapEstimate: m.heap,
    hot: tiers.hot,
    cold: tiers.cold,
  };
  OptimizedTable.delete(table);
  return { value, detail };
}

/** Bytes of every record cold (no hot minority): what one cold-form configuration saves alone. */
export async function allColdBytes(n: number, options: OptimizedTableOptions): Promise<Measurement> {
  const table = OptimizedTable.create('ablation', { access: 'public', hotCold: false, ...options });
  for (let i = 0; i < n; i++) table.insert(workload.record(i));
  table.maintain();
  const value = table.memory().total;
  OptimizedTable.delete(table);
  return { value };
}

export async function plainBytes(n: number): Promise<Measurement> {
  const plain = new PlainTables(n).fill(n);
  const value = plain.bytes();
  plain.delete();
  return { value, detail: { tables: plain.tables.length } };
}

/** JS heap a bare Map of the same records takes (after a full collection). */
export async function mapHeapBytes(n: number): Promise<Measurement> {
  const before = heapAfterGc();
  const map = new Map<string, unknown>();
  for (let i = 0; i < n; i++) {
    const [k, v] = workload.record(i);
    map.set(k, v);
  }
  const value = heapAfterGc() - before;
  if (map.size !== n) throw new Error('map lost records');
  return { value };
}

function timedLookups(lookup: (key: string) => unknown[], keys: string[]): Promise<number> {
  let found = 0;
  return ratePerSecond(keys.length, () => {
    for (const k of keys) found += lookup(k).length;
  }).then((rate) => {
    if (found !== keys.length) throw new Error(`found ${found} of ${keys.length}`);
    return rate;
  });
}

export async function optimizedLookups(n: number, which: 'hot' | 'cold'): Promise<Measurement> {
  const table = steadyTable(n);
  const idx = which === 'hot' ? hotIndexes(n, LOOKUPS) : coldIndexes(n, Math.min(LOOKUPS, n - Math.floor(n / 10)));
  const keys = Array.from(idx, (i) => workload.key(i));
  const before = table.hitRates();
  const value = await timedLookups((k) => table.lookup(k), keys);
  const after = table.hitRates();
  OptimizedTable.delete(table);
  return { value, detail: { hotHits: after.hotHits - before.hotHits, coldHits: after.coldHits - before.coldHits, promotions: after.promotions - before.promotions } };
}

export async function plainLookups(n: number, which: 'hot' | 'cold'): Promise<Measurement> {
  const plain = new PlainTables(n).fill(n);
  const idx = which === 'hot' ? hotIndexes(n, LOOKUPS) : coldIndexes(n, Math.min(LOOKUPS, n - Math.floor(n / 10)));
  const keys = Array.from(idx, (i) => workload.key(i));
  const value = await timedLookups((k) => plain.of(Number(k.slice(k.lastIndexOf(':') + 1))).lookup(k), keys);
  plain.delete();
  return { value };
}

/** Inserts of fresh records (built before the timing) into an empty table. */
export async function optimizedInserts(n: number): Promise<Measurement> {
  const records = Array.from({ length: n }, (_, i) => workload.record(i));
  const table = OptimizedTable.create('inserts', { access: 'public' });
  const value = await ratePerSecond(n, () => {
    for (const r of records) table.insert(r);
  });
  OptimizedTable.delete(table);
  return { value };
}

export async function plainInserts(n: number): Promise<Measurement> {
  const records = Array.from({ length: n }, (_, i) => workload.record(i));
  const plain = new PlainTables(n);
  const value = await ratePerSecond(n, () => {
    for (let i = 0; i < n; i++) plain.of(i).insert(records[i]!);
  });
  plain.delete();
  return { value };
}
