/**
 * insertNewMany and deleteAllObjects over several shards are atomic, as
 * ets:insert_new with a list and ets:delete_all_objects are: a reader on
 * another thread, reading the batch's keys one by one, sees all of a batch
 * or none of it (real worker threads; see workers/batch-reader.js for the
 * check); a batch refused or failing part-way leaves the table as it was
 * (a fast-check model).
 */
import fc from 'fast-check';
import { Ets, TableFullError } from '@erlmcp/ets';
import { OptimizedTable, type OptimizedTableOptions } from '@erlmcp/ets-optimizer';
import { ofType, runStopped, startWorker, stopAllWorkers } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

const CONFIGS: Array<[string, OptimizedTableOptions]> = [
  ['plain', { hotCold: false, dedup: false, compression: false }],
  ['always cold, deduplicated', { hotCold: false, dedup: { minBytes: 16 } }],
];

describe('a reader racing batches on another thread', () => {
  it.each(CONFIGS)('never sees half an insertNewMany or half a deleteAllObjects (%s)', async (_label, options) => {
    const table = OptimizedTable.create('batch-race', { shards: 8, access: 'public', compaction: false, ...options });
    const keys = Array.from({ length: 24 }, (_, i) => `session:${i}`);
    expect(new Set(keys.map((k) => table.shardOf(k))).size).toBeGreaterThan(4);
    const shared = new SharedArrayBuffer(12);
    const reader = startWorker('batch-reader', { handle: table.handle(), keys, shared });
    await reader.next(ofType('started'));
    const writer = startWorker('batch-writer', {
      handle: table.handle(),
      keys,
      shared,
      minRounds: 50,
      minOverlapped: 30,
      maxRounds: 200_000,
    });
    const wrote = await writer.next(ofType('done'));
    Atomics.store(new Int32Array(shared), 0, 1);
    const read = await reader.next(ofType('done'));
    expect(wrote.refused).toBe(0);
    expect(read.first).toBeNull();
    expect(read.violations).toBe(0);
    // The reader's passes overlapped the writer's rounds (the writer ran until they had).
    expect(Atomics.load(new Int32Array(shared), 2)).toBeGreaterThanOrEqual(30);
    expect(table.size).toBe(0);
    table.check();
    OptimizedTable.delete(table);
  });
});

describe('a thread terminated inside a multi-shard batch', () => {
  it('leaves no reader waiting: its gates are taken over, its odd sequences made even, each shard whole', async () => {
    const table = OptimizedTable.create('batch-crash', {
      shards: 4,
      access: 'public',
      hotCold: false,
      dedup: false,
      compression: false,
    });
    const objects = Array.from({ length: 40 }, (_, k) => [`k${k}`, { k }] as [string, unknown]);
    const shards = new Set(objects.map(([k]) => table.shardOf(k)));
    expect(shards.size).toBe(4);
    // Frozen after the batch wrote its second shard (shards in ascending order), holding every gate.
    expect(await runStopped(table, 'insertNewMany', [objects], 'Table.insertNewMany', 2)).toBe('stopped');
    const present = objects.filter(([k]) => table.lookup(k).length === 1).map(([k]) => table.shardOf(k));
    // What the dead batch wrote stays (there is no log to undo it by, see the README): shards 0 and 1 whole, 2 and 3 untouched.
    expect(new Set(present)).toEqual(new Set([0, 1]));
    expect(present.length).toBe(objects.filter(([k]) => table.shardOf(k) <= 1).length);
    for (const [k] of objects) expect(table.member(k)).toBe(table.shardOf(k) <= 1);
    table.check();
    // Writers and batches go on: the gates the dead thread held are taken over.
    table.deleteAllObjects();
    expect(table.insertNewMany(objects)).toBe(true);
    expect(table.size).toBe(40);
    table.check();
    OptimizedTable.delete(table);
  });
});

type Step =
  | { op: 'insertNewMany'; items: Array<[number, boolean]> }
  | { op: 'insert'; key: number; big: boolean }
  | { op: 'delete'; key: number }
  | { op: 'deleteAll' };

// Big values fill a small shard, so a batch can fail part-way with TableFullError.
const big = (k: number): string =>
  Array.from({ length: 60_000 }, (_, i) => String.fromCharCode(33 + ((i * 7919 + k * 104729) % 94))).join('');
const value = (k: number, isBig: boolean): { k: number; body: string } => ({ k, body: isBig ? big(k) : `v${k}` });

const keyArb = fc.integer({ min: 0, max: 40 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('insertNewMany' as const),
      items: fc.array(fc.tuple(keyArb, fc.boolean()), { maxLength: 30 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), key: keyArb, big: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'deleteAll' as const }) },
);

describe('insertNewMany across shards is all or nothing (model)', () => {
  it.each(CONFIGS)('random batches, some refused, some too big for a shard (%s)', (_label, options) => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 25 }), (steps) => {
        const table = OptimizedTable.create('batch-model', {
          shards: 4,
          shardBytes: 256 * 1024,
          access: 'public',
          compaction: false,
          ...options,
        });
        const model = new Map<string, unknown>();
        const contents = (): string[] =>
          table
            .tab2list()
            .map((o) => JSON.stringify(o))
            .sort();
        const expected = (): string[] => [...model].map(([k, v]) => JSON.stringify([k, v])).sort();
        try {
          for (const step of steps) {
            if (step.op === 'insertNewMany') {
              const objects = step.items.map(([k, b]) => [`k${k}`, value(k, b)] as [string, unknown]);
              const before = contents();
              let result: boolean | 'full';
              try {
                result = table.insertNewMany(objects);
              } catch (error) {
                if (!(error instanceof TableFullError)) throw error;
                result = 'full';
              }
              const anyPresent = objects.some(([k]) => model.has(k));
              if (anyPresent) expect(result).toBe(false);
              if (result === true) for (const [k, v] of objects) model.set(k, v);
              else expect(contents()).toEqual(before);
            } else if (step.op === 'insert') {
              try {
                table.insert([`k${step.key}`, value(step.key, step.big)]);
                model.set(`k${step.key}`, value(step.key, step.big));
              } catch (error) {
                if (!(error instanceof TableFullError)) throw error;
              }
            } else if (step.op === 'delete') {
              table.delete(`k${step.key}`);
              model.delete(`k${step.key}`);
            } else {
              table.deleteAllObjects();
              model.clear();
            }
            expect(contents()).toEqual(expected());
          }
          table.check();
        } finally {
          OptimizedTable.delete(table);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a batch that fills a shard part-way throws TableFullError and leaves every shard as it was', () => {
    const table = OptimizedTable.create('batch-full', {
      shards: 4,
      shardBytes: 256 * 1024,
      access: 'public',
      hotCold: false,
      dedup: false,
      compression: false,
    });
    table.insert(['kept', value(0, false)]);
    const before = table.tab2list();
    // 40 values of 60 KB: more than one 256 KB shard holds, whichever shards they land in.
    const objects = Array.from({ length: 40 }, (_, k) => [`k${k}`, value(k, true)] as [string, unknown]);
    expect(new Set(objects.map(([k]) => table.shardOf(k))).size).toBe(4);
    expect(() => table.insertNewMany(objects)).toThrow(TableFullError);
    expect(table.tab2list()).toEqual(before);
    for (const [k] of objects) expect(table.member(k)).toBe(false);
    table.check();
    // The room the failed batch took is free again: a batch that fits goes in.
    expect(table.insertNewMany(objects.slice(0, 4))).toBe(true);
    expect(table.size).toBe(5);
    table.check();
    OptimizedTable.delete(table);
  });
});
