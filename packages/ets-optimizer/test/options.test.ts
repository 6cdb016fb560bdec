/**
 * Bad options: a typed error naming the field, and nothing created (no
 * internal table left behind, the name still free).
 */
import { Ets } from '@erlmcp/ets';
import { InvalidOptionError, MAX_SHARDS, OptimizedTable } from '@erlmcp/ets-optimizer';

afterEach(() => {
  for (const t of Ets.all()) Ets.delete(t);
});

describe('options', () => {
  it.each([
    [{ shards: 0 }, 'shards'],
    [{ shards: MAX_SHARDS + 1 }, 'shards'],
    [{ shards: 2.5 }, 'shards'],
    [{ shard: 4 }, 'shard'],
    [{ type: 'heap' }, 'type'],
    [{ access: 'open' }, 'access'],
    [{ hotCold: { promoteAfter: 0 } }, 'hotCold.promoteAfter'],
    [{ hotCold: { demote: 1 } }, 'hotCold.demote'],
    [{ dedup: 'yes' }, 'dedup'],
    [{ dedup: { minBytes: 1 } }, 'dedup.minBytes'],
    [{ compression: { level: 10 } }, 'compression.level'],
    [{ compression: { dictionaryBytes: 40000 } }, 'compression.dictionaryBytes'],
    [{ compaction: { threshold: 0 } }, 'compaction.threshold'],
    [{ shardBytes: 1 }, 'shardBytes'],
  ])('%j is refused, naming %s, and creates nothing', (options, field) => {
    const before = Ets.all().length;
    let error: unknown;
    try {
      OptimizedTable.create('bad', options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).field).toBe(field);
    expect((error as InvalidOptionError).code).toBe('ERR_ETS_OPTIMIZER_OPTION');
    expect((error as Error).message).toContain(field);
    expect(Ets.all().length).toBe(before);
    OptimizedTable.delete(OptimizedTable.create('bad', { shards: 2 }));
  });

  it('a table that cannot be completed leaves nothing behind', () => {
    const before = Ets.all().length;
    // 256 shards of 1 GiB reserve each: the arena reservation fails part way on most machines,
    // or succeeds; either way no table may be left behind by a failure.
    let made: OptimizedTable | undefined;
    try {
      made = OptimizedTable.create('huge', { shards: MAX_SHARDS, shardBytes: 1 << 30 });
    } catch {
      expect(Ets.all().length).toBe(before);
    }
    if (made !== undefined) OptimizedTable.delete(made);
    expect(Ets.all().length).toBe(before);
  });

  it('a named table takes its name until deleted', () => {
    const t = OptimizedTable.create('cache', { named: true, shards: 2 });
    expect(OptimizedTable.whereis('cache')).toBe(t);
    expect(() => OptimizedTable.create('cache', { named: true })).toThrow(/already exists/);
    OptimizedTable.delete(t);
    expect(OptimizedTable.whereis('cache')).toBeUndefined();
  });
});
