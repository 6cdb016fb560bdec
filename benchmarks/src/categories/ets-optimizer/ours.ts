/** The ets-optimizer scenarios: each function measures one side (ours, or the plain table / Map it is compared with). */
import { OptimizedTable, prng, type OptimizedTableOptions } from '@erlmcp/ets-optimizer';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { heapAfterGc, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';
import { coldIndexes, hotIndexes, PlainTables, steadyTable, workload } from './shared';

const LOOKUPS = 200_000;

/**
 * Bytes of an optimized table in its steady state: `memory().total`, the
 * shared memory in use (minus old shard tables the next pass deletes). The
 * JS heap it takes in this thread is measured around building it (the heap
 * after full collections, before and after) and given in the detail; with
 * `withHeap` it is added to the value (memory_vs_map, whose peer is all heap).
 */
export async function optimizedBytes(
  n: number,
  options: OptimizedTableOptions = {},
  withHeap = false,
): Promise<Measurement> {
  const heapBefore = heapAfterGc();
  const table = steadyTable(n, options);
  const jsHeap = heapAfterGc() - heapBefore;
  const m = table.memory();
  const tiers = table.tiers();
  // The steady state: old shard tables of the last pass's compaction are deleted by the next pass.
  const shared = m.total - m.retired.used;
  const detail = {
    shared,
    jsHeap,
    shards: m.shards.used,
    dictionary: m.dictionary.used,
    dedup: m.dedup.used,
    compressionDictionaries: m.compressionDictionaries.used,
    control: m.control.used,
    capacity: m.capacity - m.retired.capacity,
    retired: m.retired.used,
    cachedEntries: m.caches.entries,
    cachedStringUnits: m.caches.stringUnits,
    cachedBinaryBytes: m.caches.binaryBytes,
    hot: tiers.hot,
    cold: tiers.cold,
  };
  OptimizedTable.delete(table);
  return { value: withHeap ? shared + jsHeap : shared, detail };
}

/**
 * Bytes with every record cold (no hot minority): what one cold-form
 * configuration saves alone. Inserted hot, then one pass trains the
 * dictionaries and demotes every record (so every record is encoded with them).
 */
export async function allColdBytes(n: number, options: OptimizedTableOptions): Promise<Measurement> {
  const table = OptimizedTable.create('ablation', { access: 'public', ...options });
  for (let i = 0; i < n; i++) table.insert(workload.record(i));
  table.maintain({ demoteAll: true });
  const m = table.memory();
  const value = m.total - m.retired.used;
  OptimizedTable.delete(table);
  return { value };
}

export async function plainBytes(n: number): Promise<Measurement> {
  const heapBefore = heapAfterGc();
  const plain = new PlainTables(n).fill(n);
  const jsHeap = heapAfterGc() - heapBefore;
  const value = plain.bytes();
  plain.delete();
  return { value, detail: { tables: plain.tables.length, jsHeap } };
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

/**
 * Lookups per second of `which` keys in one side's table. Both sides build
 * the same two tables (the optimized one in its steady state and the plain
 * one), so each child process has done the same work and holds the same
 * heap; then each times its own table: five rounds of LOOKUPS / 5 lookups,
 * the best round counted (the machine is shared; the best round is the
 * code's speed, the others that of its neighbours).
 */
export async function lookups(n: number, which: 'hot' | 'cold', side: 'ours' | 'plain'): Promise<Measurement> {
  const table = steadyTable(n);
  const plain = new PlainTables(n).fill(n);
  const idx = which === 'hot' ? hotIndexes(n, LOOKUPS) : coldIndexes(n, Math.min(LOOKUPS, n - Math.floor(n / 10)));
  const keys = Array.from(idx, (i) => workload.key(i));
  const lookup =
    side === 'ours'
      ? (k: string) => table.lookup(k)
      : (k: string) => plain.of(Number(k.slice(k.lastIndexOf(':') + 1))).lookup(k);
  const before = table.hitRates();
  const per = Math.floor(keys.length / ROUNDS);
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const round = keys.slice(r * per, (r + 1) * per);
    let found = 0;
    const rate = await ratePerSecond(round.length, () => {
      for (const k of round) found += lookup(k).length;
    });
    if (found !== round.length) throw new Error(`found ${found} of ${round.length}`);
    best = Math.max(best, rate);
  }
  const after = table.hitRates();
  OptimizedTable.delete(table);
  plain.delete();
  const detail =
    side === 'ours'
      ? {
          hotHits: after.hotHits - before.hotHits,
          coldHits: after.coldHits - before.coldHits,
          promotions: after.promotions - before.promotions,
        }
      : undefined;
  return detail === undefined ? { value: best } : { value: best, detail };
}

const ROUNDS = 5;

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

/** A steady table of `n` records with half of them deleted at random. */
function halfDeleted(n: number): OptimizedTable {
  const table = steadyTable(n, { compaction: false });
  const rand = prng(11);
  for (let i = 0; i < n; i++) if (rand() < 0.5) table.delete(workload.key(i));
  return table;
}

/** Bytes the shards reserve after compact() (detail: before, reclaimed), or, for the peer, the same table without it. */
export async function compactedBytes(n: number, compact: boolean): Promise<Measurement> {
  const table = halfDeleted(n);
  const before = table.fragmentation().reduce((s, f) => s + f.allocated, 0);
  if (!compact) {
    OptimizedTable.delete(table);
    return { value: before };
  }
  const report = table.compact();
  const after = table.fragmentation().reduce((s, f) => s + f.allocated, 0);
  OptimizedTable.delete(table);
  return { value: after, detail: { before, reclaimed: report.reclaimed, compactionMs: report.durationMs } };
}

/** The longest lookup of a reader thread while the table is compacted (or, for the peer, over a window as long without compaction). */
export async function readerStall(n: number, compact: boolean): Promise<Measurement> {
  const table = halfDeleted(n);
  const keys = table.select(() => true, { limit: 20_000 }).map((o) => o[0] as string);
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(path.join(__dirname, 'stall-worker.js'), {
    workerData: { handle: table.handle(), keys, stop },
  });
  type Report = { type: string; longestMs?: number };
  const messages: Report[] = [];
  const waiters: (() => void)[] = [];
  worker.on('message', (m: Report) => {
    messages.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  worker.on('error', (e) => {
    throw e;
  });
  const next = async (type: string): Promise<{ longestMs?: number; reads?: number }> => {
    for (;;) {
      const m = messages.find((x) => x.type === type);
      if (m !== undefined) return m;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  await next('ready');
  const started = performance.now();
  let compactionMs = 0;
  if (compact) compactionMs = table.compact().durationMs;
  // The same window on both sides: at least STALL_WINDOW_MS of reading.
  const left = STALL_WINDOW_MS - (performance.now() - started);
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  Atomics.store(new Int32Array(stop), 0, 1);
  const done = await next('done');
  await worker.terminate();
  OptimizedTable.delete(table);
  return { value: done.longestMs!, detail: { reads: done.reads!, compactionMs } };
}

const STALL_WINDOW_MS = 5000;
