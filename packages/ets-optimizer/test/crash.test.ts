/**
 * A thread terminated in the middle of a compaction, a migration or a
 * write (frozen at a chosen call of an @erlmcp/ets table method by
 * test/workers/stopper.js, then terminated there, as @erlmcp/ets's crash
 * tests do): every key still reads back whole, other threads take over the
 * shard gates the dead thread held, and the table is consistent, its shared
 * store's counts put right by the reference audit of the next pass.
 */
import { Ets, IntegrityError } from '@erlmcp/ets';
import { OptimizedTable, sessionWorkload } from '@erlmcp/ets-optimizer';
import { runStopped, stopAllWorkers } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

const workload = sessionWorkload(1);
const contents = (t: OptimizedTable): string[] =>
  t
    .tab2list()
    .map((o) => JSON.stringify(o))
    .sort();

function filled(n: number, options = {}): OptimizedTable {
  const table = OptimizedTable.create('crash', { shards: 4, access: 'public', compaction: false, ...options });
  for (let i = 0; i < n; i++) table.insert(workload.record(i));
  return table;
}

describe('a thread terminated', () => {
  it('in the middle of a compaction: the old shard stays, its gate is taken over, nothing is lost', async () => {
    const table = filled(800);
    table.maintain({ demoteAll: true });
    const before = contents(table);
    // Frozen after copying shard 0 into its new table, before the switch, holding shard 0's gate.
    expect(await runStopped(table, 'compact', [], 'Table.insertMany', 1)).toBe('stopped');
    expect(contents(table)).toEqual(before);
    // Writes to every shard: shard 0's must take its gate from the dead compactor.
    for (let i = 0; i < 40; i++) table.insert([`after:${i}`, { i }]);
    for (let i = 0; i < 40; i++) expect(table.lookup(`after:${i}`)).toEqual([[`after:${i}`, { i }]]);
    expect(table.size).toBe(840);
    table.check();
    const report = table.compact();
    expect(report.shards).toEqual([0, 1, 2, 3]);
    expect(table.size).toBe(840);
    table.check();
  });

  it('in the middle of a migration: every record is hot or cold and whole; the audit puts the counts right', async () => {
    const table = filled(600);
    const before = contents(table);
    // Frozen after the 300th demotion (a compare-and-swap of two arguments; releases in the store take one).
    expect(await runStopped(table, 'maintain', [{ demoteAll: true }], 'Table.replaceObject', 300, 2)).toBe('stopped');
    expect(contents(table)).toEqual(before);
    const tiers = table.tiers();
    expect(tiers.hot + tiers.cold).toBe(600);
    expect(tiers.cold).toBeGreaterThan(0);
    const report = table.maintain({ demoteAll: true });
    expect(report.repaired).toBeDefined();
    expect(table.tiers().cold).toBe(600);
    expect(contents(table)).toEqual(before);
    table.check();
  });

  it('in the middle of a write that took a shared reference: the write is absent, the extra count is found and dropped', async () => {
    const description = 'Returns the ranked passages of the indexed documents that match the query. '.repeat(3);
    const table = OptimizedTable.create('crash-write', { hotCold: false, access: 'public', shards: 2 });
    for (let i = 0; i < 3; i++) table.insert([`k${i}`, { description, i }]);
    expect(table.storeStats().sharedReferences).toBe(2);
    // Frozen right after the store counted the new record's reference, before the record is published.
    expect(await runStopped(table, 'insert', [['k9', { description, i: 9 }]], 'Table.updateCounter', 1)).toBe(
      'stopped',
    );
    expect(table.lookup('k9')).toEqual([]);
    expect(table.lookup('k1')).toEqual([['k1', { description, i: 1 }]]);
    // Too high, never too low: the value outlives the dead write, no record loses it.
    expect(() => table.check()).toThrow(IntegrityError);
    expect(table.storeStats().sharedReferences).toBe(3);
    const report = table.maintain();
    expect(report.repaired).toEqual({ fixed: 1, freed: 0 });
    expect(table.storeStats().sharedReferences).toBe(2);
    table.check();
    table.insert(['k9', { description, i: 9 }]);
    expect(table.lookup('k9')).toEqual([['k9', { description, i: 9 }]]);
    table.check();
  });
});
