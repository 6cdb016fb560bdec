/**
 * Fragmentation and compaction: a shard's buffers, grown for records since
 * deleted or made cold, are given back by copying its live records into a
 * table sized for them; the contents do not change, readers in other threads
 * keep reading consistent objects through the switch, and writes made
 * meanwhile are all there after.
 */
import { BadArgError, Ets } from '@erlmcp/ets';
import { OptimizedTable, prng, sessionWorkload } from '@erlmcp/ets-optimizer';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

const workload = sessionWorkload(1);
const sorted = (t: OptimizedTable): string[] =>
  t
    .tab2list()
    .map((o) => JSON.stringify(o))
    .sort();

function halfDeleted(n: number, options = {}): OptimizedTable {
  const table = OptimizedTable.create('frag', { shards: 4, access: 'public', compaction: false, ...options });
  for (let i = 0; i < n; i++) table.insert(workload.record(i));
  table.maintain({ demoteAll: true });
  const rand = prng(9);
  for (let i = 0; i < n; i++) if (rand() < 0.5) table.delete(workload.key(i));
  return table;
}

describe('compaction', () => {
  it('reports fragmentation per shard and reclaims it, contents unchanged', () => {
    const table = halfDeleted(3000);
    const before = table.fragmentation();
    expect(before).toHaveLength(4);
    for (const f of before) {
      expect(f.used).toBeLessThanOrEqual(f.allocated);
      expect(f.freeExtents).toBeGreaterThan(0);
      expect(f.largestFreeBlock).toBeGreaterThan(0);
    }
    const contents = sorted(table);
    const size = table.size;
    const report = table.compact();
    expect(report.shards).toEqual([0, 1, 2, 3]);
    expect(report.reclaimed).toBeGreaterThan(0);
    expect(report.bytesAfter).toBe(table.fragmentation().reduce((n, f) => n + f.allocated, 0));
    expect(sorted(table)).toEqual(contents);
    expect(table.size).toBe(size);
    table.check();
    // The old shards are held until the next compaction or pass (readers may still be in them), then deleted.
    expect(table.memory().retired.used).toBeGreaterThan(0);
    table.maintain();
    expect(table.memory().retired.used).toBe(0);
    table.insert(workload.record(0));
    expect(table.lookup(workload.key(0))).toEqual([workload.record(0)]);
    table.check();
  });

  it('runs from the maintenance policy past its threshold', () => {
    const table = OptimizedTable.create('policy', { shards: 4, access: 'public', compaction: { threshold: 0.5 } });
    for (let i = 0; i < 2000; i++) table.insert(workload.record(i));
    const contents = sorted(table);
    // Every record becomes cold: the shards keep the buffers they grew for the hot ones, and the policy gives them back.
    const report = table.maintain({ demoteAll: true });
    expect(report.compaction?.shards).toEqual([0, 1, 2, 3]);
    expect(report.compaction!.reclaimed).toBeGreaterThan(0);
    expect(sorted(table)).toEqual(contents);
    // Now tight: the next pass leaves them alone.
    expect(table.maintain().compaction).toBeUndefined();
    table.check();
  });

  it('refuses a handle taken before a compaction', () => {
    const table = halfDeleted(200);
    const stale = table.handle();
    table.compact();
    expect(() => OptimizedTable.attach(stale)).toThrow(BadArgError);
    expect(OptimizedTable.attach(table.handle()).size).toBe(table.size);
  });

  it('keeps readers in other threads reading consistent objects, and loses no write made meanwhile', async () => {
    const table = halfDeleted(1500);
    const keys = table
      .tab2list()
      .slice(0, 300)
      .map((o) => o[0] as string);
    const expected = keys.map((k) => JSON.stringify(table.lookup(k)[0]));
    const stop = new SharedArrayBuffer(4);
    const reader = startWorker('reader', { handle: table.handle(), keys, expect: expected, stop });
    await reader.next(ofType('started'));
    const writer = startWorker('writer', { handle: table.handle(), prefix: 'new:', count: 1500 });
    // A handle is good until the next compaction: the writer attaches first.
    await writer.next(ofType('attached'));
    const written = writer.next(ofType('done'));
    for (let round = 0; round < 4; round++) table.compact();
    await written;
    table.compact();
    Atomics.store(new Int32Array(stop), 0, 1);
    const done = await reader.next<{ reads: number; wrong: number }>(ofType('done'));
    expect(done.wrong).toBe(0);
    expect(done.reads).toBeGreaterThan(0);
    for (let i = 0; i < 1500; i++)
      expect(table.lookup(`new:${i}`)).toEqual([[`new:${i}`, { i, note: 'written while compacting' }]]);
    table.check();
  });
});
