/**
 * Writes cut off by a thread's death. A worker runs one operation and is
 * stopped at a chosen internal step (test/workers/stopper.js), holding its
 * stripes, then terminated there. Other threads must then see the operation
 * whole or not at all, and the table must account for every byte exactly as
 * a table that never saw the crash (a twin that ran the same operations with
 * or without the interrupted one): `check()` finds no leaked arena block, and
 * `info()` gives the twin's figures.
 */
import { Ets, type Table, type TableType, type Tuple, xxh32 } from '@erlmcp/ets';
import { KeyWriter } from '../src/key-codec';
import { ofType, runStopped, startWorker, stopAllWorkers, type StopStep } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

/** A value whose record is over 512 bytes, so it gets an arena block of its own. */
function big(n: number): string {
  return `${n}:${'x'.repeat(600 + n)}`;
}

/** Stripe of a key in a 16-stripe table (the top 4 bits of its hash). */
function stripeOf(key: unknown): number {
  const w = new KeyWriter();
  const n = w.encode(key);
  return xxh32(w.buf, 0, n) >>> 28;
}

type Step = StopStep;
type Outcome = 'none' | 'all';

/** Runs `table[op](...args)` in a worker stopped at `step`, and terminates the worker there. */
async function stopIn(table: Table, op: string, args: unknown[], step: Step): Promise<void> {
  expect(await runStopped(table, op, args, step)).toBe('stopped');
}

function figures(t: Table): { size: number; memory: number; freeBytes: number; capacity: number } {
  const { size, memory, freeBytes, capacity } = t.info();
  return { size, memory, freeBytes, capacity };
}

function baseObjects(): Tuple[] {
  return Array.from({ length: 30 }, (_, i) => [`k${i}`, i >= 20 ? big(i) : `v${i}`]);
}

function fill(t: Table): void {
  for (const o of baseObjects()) t.insert(o);
}

/**
 * Forty keys over the 16 stripes: ten replace (or, in bags, join) big base
 * records, one repeats a base object exactly, one key comes twice, a quarter
 * of the values are big.
 */
function batchObjects(): Tuple[] {
  const objects: Tuple[] = [
    ['k20', big(20)],
    ['k21', big(121)],
    ['k45', 'first'],
  ];
  for (let i = 22; i < 60; i++) objects.push([`k${i}`, i % 4 === 0 ? big(100 + i) : `w${i}`]);
  objects.push(['k45', 'second']);
  return objects;
}

const ALL_KEYS = Array.from({ length: 60 }, (_, i) => `k${i}`);

/** Two keys that fall in `stripe`. */
function keysIn(stripe: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < 2; i++) if (stripeOf(`o${i}`) === stripe) keys.push(`o${i}`);
  return keys;
}

/**
 * After the crash: the main thread first runs a new transaction owned by the
 * dead one's first stripe (so that stripe is repaired and reused before the
 * others), then a worker reads every key (repairing the stripes it meets),
 * then the main thread. Both must see exactly what the twin holds, and the
 * table must match the twin's figures and stay usable.
 */
async function expectRecovered(table: Table, twin: Table, members: number[]): Promise<void> {
  const owner = Math.min(...members);
  const fresh = keysIn(owner).map((k) => [k, 'after']);
  for (const t of [table, twin]) t.insertMany(fresh);
  const keys = [...ALL_KEYS, ...fresh.map((o) => o[0])];
  const expected = keys.map((k) => twin.lookup(k));
  const reader = startWorker('lookups', { handle: table.handle(), keys });
  const { found } = await reader.next<{ found: Tuple[][] }>(ofType('done'));
  expect(found).toEqual(expected);
  expect(keys.map((k) => table.lookup(k))).toEqual(expected);
  table.check();
  expect(figures(table)).toEqual(figures(twin));
  expect(table.info().repairs).toBe(members.length);
  // Usable: more writes of every kind, the same on both.
  for (const t of [table, twin]) {
    t.insertMany(batchObjects().map(([k, v]) => [`${String(k)}+`, v]));
    t.delete('k3');
    t.insert(['k4', big(4)]);
  }
  table.check();
  expect(figures(table)).toEqual(figures(twin));
}

const TYPES: TableType[] = ['set', 'ordered_set', 'bag', 'duplicate_bag'];
const PUBLISHING = ['HashIndex.publish', 'HashIndex.replace', 'Stripe.setLink'];

function newTables(type: TableType): [Table, Table, Table] {
  const options = { type, access: 'public' as const, writeConcurrency: true, readConcurrency: true };
  return [Ets.new('crashed', options), Ets.new('twin-none', options), Ets.new('twin-all', options)];
}

describe.each(TYPES)('insertMany over 16 stripes, its writer terminated (%s)', (type) => {
  const steps: Array<[string, Step, Outcome]> = [
    ['before the first plan', { at: 'Transaction.plan', when: 'before', nth: 1 }, 'none'],
    ["between two stripes' plans", { at: 'Transaction.plan', when: 'before', nth: 3 }, 'none'],
    ['after the first record', { at: 'Stripe.writeRecord', when: 'after', nth: 1 }, 'none'],
    ['with half the records written', { at: 'Stripe.writeRecord', when: 'after', nth: 20 }, 'none'],
    ['just before the commit', { at: 'Transaction.commit', when: 'before', nth: 1 }, 'none'],
    ['just after the commit', { at: 'Transaction.commit', when: 'after', nth: 1 }, 'all'],
    ['after the first publish', { at: PUBLISHING, when: 'after', nth: 1, afterCommit: true }, 'all'],
    ['with half the records published', { at: PUBLISHING, when: 'after', nth: 15, afterCommit: true }, 'all'],
    [
      'before its first free (a replaced or duplicate big record)',
      { at: 'RecordHeap.freeFrom', when: 'before', nth: 1, afterCommit: true },
      'all',
    ],
    ['with one stripe finished', { at: 'Transaction.finish', when: 'after', nth: 1 }, 'all'],
    ['with half the stripes finished', { at: 'Transaction.finish', when: 'after', nth: 6 }, 'all'],
    ['with every stripe finished', { at: 'Transaction.end', when: 'before', nth: 1 }, 'all'],
  ];

  it.each(steps)('%s: other threads see all of it or none; the figures are exact', async (_label, step, outcome) => {
    const [table, none, all] = newTables(type);
    const batch = batchObjects();
    // The same history on all three, so that the interrupted write takes
    // only memory that the tables already hold (figures then compare exactly).
    for (const t of [table, none, all]) {
      fill(t);
      t.insertMany(batch);
      t.deleteAllObjects();
      fill(t);
    }
    all.insertMany(batch);
    await stopIn(table, 'insertMany', [batch], step);
    const members = [...new Set(batch.map((o) => stripeOf(o[0])))];
    await expectRecovered(table, outcome === 'all' ? all : none, members);
  });
});

describe('insertNewMany, its writer terminated', () => {
  const fresh = (): Tuple[] => Array.from({ length: 40 }, (_, i) => [`n${i}`, i % 3 === 0 ? big(i) : i]);
  it.each([
    ['with half the records written', { at: 'Stripe.writeRecord', when: 'after', nth: 20 } as Step, 'none' as Outcome],
    [
      'with half the records published',
      { at: PUBLISHING, when: 'after', nth: 20, afterCommit: true } as Step,
      'all' as Outcome,
    ],
  ])('%s: all or none', async (_label, step, outcome) => {
    const [table, none, all] = newTables('set');
    for (const t of [table, none, all]) {
      fill(t);
      t.insertNewMany(fresh());
      t.deleteAllObjects();
      fill(t);
    }
    expect(all.insertNewMany(fresh())).toBe(true);
    await stopIn(table, 'insertNewMany', [fresh()], step);
    const twin = outcome === 'all' ? all : none;
    const keys = fresh().map((o) => o[0]);
    expect(keys.map((k) => table.lookup(k))).toEqual(keys.map((k) => twin.lookup(k)));
    table.check();
    expect(figures(table)).toEqual(figures(twin));
    expect(
      table.insertNewMany([
        ['n0', 0],
        ['zz', 1],
      ]),
    ).toBe(outcome === 'none');
  });
});

describe("a thread that dies while repairing a dead writer's stripe", () => {
  it.each([
    ['its index being refilled (just zeroed)', { at: 'Int32Array.fill', when: 'after', nth: 1 }],
    ['its new index filled, not published', { at: 'HashIndex.fill', when: 'after', nth: 1 }],
    ['its new index published, the old one not freed', { at: 'TableMemory.freeFrom', when: 'before', nth: 1 }],
    ['one record rolled forward', { at: PUBLISHING, when: 'after', nth: 1 }],
  ] as Array<[string, Step]>)('%s: the next repair finishes the job', async (_label, step) => {
    const [table, , all] = newTables('set');
    const batch = batchObjects();
    for (const t of [table, all]) {
      fill(t);
      t.insertMany(batch);
      t.deleteAllObjects();
      fill(t);
    }
    all.insertMany(batch);
    // The writer dies with half its records published, stripe by stripe in order...
    await stopIn(table, 'insertMany', [batch], { at: PUBLISHING, when: 'after', nth: 15, afterCommit: true });
    // ...and a reader of its last stripe dies while repairing it.
    const members = [...new Set(batch.map((o) => stripeOf(o[0])))];
    const last = batch.find((o) => stripeOf(o[0]) === Math.max(...members))![0];
    await stopIn(table, 'lookup', [last], step);
    await expectRecovered(table, all, members);
  });
});

describe.each(TYPES)('deleteAllObjects over 16 stripes, its writer terminated (%s)', (type) => {
  const steps: Array<[string, Step, Outcome]> = [
    ['just before the commit', { at: 'Transaction.commit', when: 'before', nth: 1 }, 'none'],
    ['just after the commit', { at: 'Transaction.commit', when: 'after', nth: 1 }, 'all'],
    [
      'with a key of big records unpublished',
      { at: 'HashIndex.remove', when: 'after', nth: 1, afterCommit: true },
      'all',
    ],
    [
      "with three stripes' other keys unpublished at once, not yet freed",
      { at: 'HashIndex.clear', when: 'after', nth: 3, afterCommit: true },
      'all',
    ],
    ['before a big record is freed', { at: 'RecordHeap.freeFrom', when: 'before', nth: 1, afterCommit: true }, 'all'],
    ['with one stripe emptied', { at: 'Transaction.finish', when: 'after', nth: 1 }, 'all'],
    ['with every stripe emptied', { at: 'Transaction.end', when: 'before', nth: 1 }, 'all'],
  ];

  it.each(steps)(
    '%s: the table is whole or empty for every thread; the figures are exact',
    async (_label, step, outcome) => {
      const [table, none, all] = newTables(type);
      for (const t of [table, none, all]) {
        fill(t);
        t.insertMany(batchObjects());
      }
      all.deleteAllObjects();
      await stopIn(table, 'deleteAllObjects', [], step);
      await expectRecovered(
        table,
        outcome === 'all' ? all : none,
        Array.from({ length: 16 }, (_, s) => s),
      );
    },
  );
});

describe.each([
  ['one stripe', false],
  ['16 stripes', true],
])("a dying writer's arena blocks are reclaimed (%s)", (_label, writeConcurrency) => {
  type Case = [string, TableType, string, unknown[], Step, Outcome];
  const cases: Case[] = [
    [
      'a new big record, written, not published',
      'set',
      'insert',
      [['new', big(1)]],
      { at: 'HashIndex.publish', when: 'before', nth: 1 },
      'none',
    ],
    [
      'a big record replacing another, written, not published',
      'set',
      'insert',
      [['k25', big(2)]],
      { at: 'HashIndex.replace', when: 'before', nth: 1 },
      'none',
    ],
    [
      'the big record it replaced, unpublished, not freed',
      'set',
      'insert',
      [['k25', big(3)]],
      { at: 'Stripe.release', when: 'before', nth: 1 },
      'all',
    ],
    [
      "an updated big record's old version, unpublished, not freed",
      'set',
      'updateElement',
      ['k26', [2, big(4)]],
      { at: 'Stripe.release', when: 'before', nth: 1 },
      'all',
    ],
    [
      "a deleted key's big record, unpublished, not freed",
      'set',
      'delete',
      ['k27'],
      { at: 'Stripe.release', when: 'before', nth: 1 },
      'all',
    ],
    [
      "a bag key's chain of big records, half freed",
      'bag',
      'delete',
      ['k28'],
      { at: 'Stripe.release', when: 'before', nth: 2 },
      'all',
    ],
    [
      'one big record taken out of a bag chain, not freed',
      'bag',
      'deleteObject',
      [['k28', big(5)]],
      { at: 'Stripe.release', when: 'before', nth: 1 },
      'all',
    ],
    [
      'a new big record appended to a bag chain, not linked',
      'bag',
      'insert',
      [['k28', big(9)]],
      { at: 'Stripe.setLink', when: 'before', nth: 1 },
      'none',
    ],
  ];

  it.each(cases)('%s (%s %s)', async (_label, type, op, args, step, outcome) => {
    const options = { type, access: 'public' as const, writeConcurrency, readConcurrency: true };
    const table = Ets.new('crashed', options);
    const twin = Ets.new('twin', options);
    for (const t of [table, twin]) {
      fill(t);
      if (type === 'bag') for (let n = 5; n < 8; n++) t.insert(['k28', big(n)]);
    }
    const before = figures(table);
    if (outcome === 'all') (twin as unknown as Record<string, (...a: unknown[]) => unknown>)[op]!(...args);
    await stopIn(table, op, args, step);
    // A read repairs the stripe (and allocates nothing itself).
    const key = (Array.isArray(args[0]) ? args[0][0] : args[0]) as string;
    expect(table.lookup(key)).toEqual(twin.lookup(key));
    table.check();
    expect(figures(table)).toEqual(figures(twin));
    if (outcome === 'none') expect(figures(table)).toEqual(before);
    expect(table.info().repairs).toBe(1);
  });
});

describe("a dying writer's index, order and chunk blocks are reclaimed", () => {
  // One stripe holding 6 keys; a batch of 40 grows its index, then its order,
  // then takes a chunk.
  it.each([
    ['a new index block, taken', { at: 'TableMemory.tryAllocInto', when: 'after', nth: 1 }],
    ['a new index block, filled, not published', { at: 'HashIndex.fill', when: 'after', nth: 1 }],
    ['the old index block, unlinked, not freed', { at: 'TableMemory.freeFrom', when: 'before', nth: 1 }],
    ['a new order block, taken', { at: 'TableMemory.tryAllocInto', when: 'after', nth: 2 }],
    ['the old order block, unlinked, not freed', { at: 'TableMemory.freeFrom', when: 'before', nth: 2 }],
    ['a new chunk, taken', { at: 'TableMemory.tryAllocInto', when: 'after', nth: 3 }],
  ] as Array<[string, Step]>)('%s', async (_label, step) => {
    const table = Ets.new('growing', { type: 'ordered_set', access: 'public' });
    for (let i = 0; i < 6; i++) table.insert([`g${i}`, i]);
    await stopIn(table, 'insertMany', [Array.from({ length: 40 }, (_, i) => [`h${i}`, 'v'.repeat(20)])], step);
    expect(table.lookup('h0')).toEqual([]);
    expect(table.tab2list().map((o) => o[0])).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5']);
    table.check(); // no arena block the stripe does not own
    for (let i = 0; i < 200; i++) table.insert([`h${i}`, i]);
    table.check();
  });
});
