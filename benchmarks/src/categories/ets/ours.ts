/** @erlmcp/ets side of the ets scenarios. */
import { Ets, type Table } from '@erlmcp/ets';
import { heapAfterGc, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';
import { randomIndexes, session, TABLE_ENTRIES, type Session } from './shared';
import { runTogether } from './threads';

type SessionTuple = [string, Session];

/**
 * The table the lookup scenarios read: public, readConcurrency (lock-free,
 * seqlock-validated reads), and for `lookup` a readCache holding every key.
 */
export function sessionTable(entries: number, readCache = 0): Table<SessionTuple> {
  const table = Ets.new<SessionTuple>('sessions', { access: 'public', readConcurrency: true, readCache });
  for (let n = 0; n < entries; n++) table.insert(['session:' + n, session(n)]);
  return table;
}

function entriesFor(size: number): number {
  return Math.min(TABLE_ENTRIES, size);
}

/** Random lookups from this thread, the cache cold at the start (its fills are timed too). */
export async function lookup(size: number): Promise<Measurement> {
  return lookupWith(size, entriesFor(size));
}

/** The same, without readCache: every lookup decodes the record from shared memory. */
export async function lookupUncached(size: number): Promise<Measurement> {
  return lookupWith(size, 0);
}

async function lookupWith(size: number, readCache: number): Promise<Measurement> {
  const entries = entriesFor(size);
  const table = sessionTable(entries, readCache);
  const idx = randomIndexes(1 << 16, entries);
  let found = 0;
  const value = await ratePerSecond(size, () => {
    for (let i = 0; i < size; i++) found += table.lookup('session:' + idx[i & 0xffff]).length;
  });
  if (found !== size) throw new Error(`lookup found ${found} of ${size}`);
  Ets.delete(table);
  return { value };
}

/** Two worker threads reading the same table at once: total lookups per second. */
export async function lookupTwoThreads(size: number): Promise<Measurement> {
  const entries = entriesFor(size);
  const table = sessionTable(entries);
  const task = (seed: number) => ({ kind: 'lookup' as const, table: table.handle(), count: size, entries, seed });
  const value = await runTogether([task(1), task(2)], [size, size]);
  Ets.delete(table);
  return { value };
}

/** The same table read by one worker thread (the peer of lookup_2_threads). */
export async function lookupOneThread(size: number): Promise<Measurement> {
  const entries = entriesFor(size);
  const table = sessionTable(entries);
  const value = await runTogether([{ kind: 'lookup', table: table.handle(), count: size, entries, seed: 1 }], [size]);
  Ets.delete(table);
  return { value };
}

/** Lookups from a worker thread, directly in shared memory. */
export async function crossThreadLookup(size: number): Promise<Measurement> {
  return lookupOneThread(size);
}

function writeTable(): Table<SessionTuple> {
  return Ets.new<SessionTuple>('writes', { access: 'public', writeConcurrency: true });
}

export async function insertThreads(size: number, threads: number): Promise<Measurement> {
  const table = writeTable();
  const each = Math.floor(size / threads);
  const tasks = Array.from({ length: threads }, (_, t) => ({
    kind: 'insert' as const,
    table: table.handle(),
    from: t * each,
    count: each,
  }));
  const value = await runTogether(
    tasks,
    tasks.map(() => each),
  );
  if (table.size !== each * threads) throw new Error(`inserted ${table.size} of ${each * threads}`);
  Ets.delete(table);
  return { value };
}

export async function updateCounterThreads(size: number, threads: number): Promise<Measurement> {
  const table = Ets.new<[string, number]>('counters', { access: 'public', writeConcurrency: true });
  const keys = 1000;
  for (let k = 0; k < keys; k++) table.insert(['counter:' + k, 0]);
  const each = Math.floor(size / threads);
  const tasks = Array.from({ length: threads }, (_, t) => ({
    kind: 'update_counter' as const,
    table: table.handle(),
    count: each,
    keys,
    seed: t + 1,
  }));
  const value = await runTogether(
    tasks,
    tasks.map(() => each),
  );
  const total = table.foldl((o, acc) => acc + o[1], 0);
  if (total !== each * threads) throw new Error(`counters sum to ${total}, expected ${each * threads}`);
  Ets.delete(table);
  return { value };
}

/**
 * Bytes per entry: the arena memory the table has touched (live blocks, blocks
 * on its free lists, its header) plus the control buffer and any JS heap the
 * table object grew by, divided by the entry count.
 */
export async function memoryPerEntry(size: number): Promise<Measurement> {
  const heapBefore = heapAfterGc();
  const table = Ets.new<SessionTuple>('memory', { access: 'public', maxBytes: 1 << 30 });
  for (let n = 0; n < size; n++) table.insert(['session:' + n, session(n)]);
  const heapAfter = heapAfterGc();
  const arena = table.arena.stats();
  const touched = arena.liveBytes + arena.freeListBytes + arena.metadataBytes;
  const control = table.handle().control.byteLength;
  const value = (touched + control + Math.max(0, heapAfter - heapBefore)) / size;
  Ets.delete(table);
  return { value };
}

export { ratePerSecond };
