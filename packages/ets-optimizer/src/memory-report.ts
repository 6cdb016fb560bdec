/**
 * `table.memory()`: the bytes a table holds, counted from its parts. Every
 * byte figure is shared memory, read from the allocators that hand it out:
 * each internal @erlmcp/ets table's `info()` (`used`: the control buffer plus
 * the arena bytes allocated to records and indexes, as the arena's allocator
 * counts them; `capacity`: the bytes of its SharedArrayBuffers as grown), plus
 * the byteLength of the optimizer's own control buffers.
 *
 * The JS heap is not given in bytes: V8 exposes no size per object, and a
 * figure made of string lengths times a guessed overhead would be a formula,
 * not a measurement. What this thread's caches hold is counted instead
 * (`caches`: entries, UTF-16 code units of cached strings, bytes of cached
 * binaries). The benchmark measures the JS heap a table takes from outside,
 * as the heap after a full collection before and after building it.
 */
import type { Table } from '@erlmcp/ets';
import type { CacheCount } from './cache-count';
import type { TableParts } from './parts';

export interface TableBytes {
  /** Bytes in use (records, indexes, control). */
  used: number;
  /** Bytes reserved so far (buffers as grown). */
  capacity: number;
}

export interface MemoryReport {
  /** used bytes of everything shared: shards + dictionary + dedup + compression + control + retired. */
  total: number;
  /** capacity of everything shared. */
  capacity: number;
  shards: TableBytes;
  dictionary: TableBytes;
  dedup: TableBytes;
  compressionDictionaries: TableBytes;
  /** The anchor table and the optimizer's control buffers (read statistics, sketches, shard directory). */
  control: TableBytes;
  /** Old shard tables a compaction switched away from, not yet deleted (the next compaction or pass deletes them). */
  retired: TableBytes;
  /** What this thread's caches hold (counted, see above); not in `total`. */
  caches: CacheCount;
}

function bytesOf(tables: readonly (Table | null)[]): TableBytes {
  let used = 0;
  let capacity = 0;
  for (const t of tables) {
    if (t === null) continue;
    const info = t.info();
    used += info.memory;
    capacity += info.capacity;
  }
  return { used, capacity };
}

export function memoryReport(parts: TableParts): MemoryReport {
  const stores = parts.stores;
  const shards = bytesOf(parts.shards);
  const dictionary = bytesOf([stores?.dictionary?.table ?? null]);
  const dedup = bytesOf([stores?.dedup?.table ?? null]);
  const compressionDictionaries = bytesOf([stores?.compressor?.table ?? null]);
  const anchor = bytesOf([parts.anchor]);
  const dir = parts.directory.handle();
  const buffers =
    (parts.access?.buffer.byteLength ?? 0) +
    (stores?.control.byteLength ?? 0) +
    dir.words.byteLength +
    dir.gates.byteLength +
    dir.batches.byteLength;
  const control = { used: anchor.used + buffers, capacity: anchor.capacity + buffers };
  const retired = bytesOf(parts.retired.filter((t) => !t.deleted));
  const parts5 = [shards, dictionary, dedup, compressionDictionaries, control, retired];
  return {
    total: parts5.reduce((n, b) => n + b.used, 0),
    capacity: parts5.reduce((n, b) => n + b.capacity, 0),
    shards,
    dictionary,
    dedup,
    compressionDictionaries,
    control,
    retired,
    caches: sumCounts([stores?.dictionary?.cached(), stores?.dedup?.cached(), stores?.compressor?.cached()]),
  };
}

function sumCounts(counts: readonly (CacheCount | undefined)[]): CacheCount {
  const sum: CacheCount = { entries: 0, stringUnits: 0, binaryBytes: 0 };
  for (const c of counts) {
    if (c === undefined) continue;
    sum.entries += c.entries;
    sum.stringUnits += c.stringUnits;
    sum.binaryBytes += c.binaryBytes;
  }
  return sum;
}
