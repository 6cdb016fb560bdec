/**
 * `table.memory()`: the bytes a table holds, counted from its parts.
 * Shared memory is exact: each internal @erlmcp/ets table's `info()` (bytes
 * in use: records, indexes, control buffer; and the buffer grown so far),
 * plus the control buffers of the optimizer itself. The JS heap the layer
 * holds in this thread (its caches of dictionary strings, shared values and
 * compression dictionaries) is counted from the cached strings' lengths and
 * buffers' sizes plus a fixed overhead per entry: V8 gives no exact figure
 * per object, so that part is an estimate and is reported apart.
 */
import type { Table } from '@erlmcp/ets';
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
  /** This thread's caches (an estimate, see above); not in `total`. */
  heap: number;
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
  const buffers = (parts.access?.buffer.byteLength ?? 0) + (stores?.control.byteLength ?? 0) + dir.words.byteLength + dir.gates.byteLength;
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
    heap: (stores?.dictionary?.heapBytes() ?? 0) + (stores?.dedup?.heapBytes() ?? 0) + (stores?.compressor?.heapBytes() ?? 0),
  };
}
