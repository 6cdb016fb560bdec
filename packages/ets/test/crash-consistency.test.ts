/**
 * Writes cut off by a thread's death. A worker runs one operation and is
 * stopped at a chosen internal step (test/workers/stopper.js), holding its
 * stripes, then terminated there. Other threads must then see the operation
 * whole or not at all, and the table must account for every byte exactly as
 * a table that never saw the crash (a twin that ran the same operations with
 * or without the interrupted one): `check()` finds no leaked arena block, and
 * `info()` gives the twin's figures.
 */
import { Ets, type Table, type TableType, type Tuple } from '@erlmcp/ets';
import { runStopped, stopAllWorkers, type StopStep } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

/** A value whose record is over 512 bytes, so it gets an arena block of its own. */
function big(n: number): string {
  return `${n}:${'x'.repeat(600 + n)}`;
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

describe.each([
  ['one stripe', false],
  ['16 stripes', true],
])('a dying writer\'s arena blocks are reclaimed (%s)', (_label, writeConcurrency) => {
  type Case = [string, TableType, string, unknown[], Step, Outcome];
  const cases: Case[] = [
    ['a new big record, written, not published', 'set', 'insert', [['new', big(1)]], { at: 'HashIndex.publish', when: 'before', nth: 1 }, 'none'],
    ['a big record replacing another, written, not published', 'set', 'insert', [['k25', big(2)]], { at: 'HashIndex.replace', when: 'before', nth: 1 }, 'none'],
    ['the big record it replaced, unpublished, not freed', 'set', 'insert', [['k25', big(3)]], { at: 'Stripe.release', when: 'before', nth: 1 }, 'all'],
    ['an updated big record\'s old version, unpublished, not freed', 'set', 'updateElement', ['k26', [2, big(4)]], { at: 'Stripe.release', when: 'before', nth: 1 }, 'all'],
    ['a deleted key\'s big record, unpublished, not freed', 'set', 'delete', ['k27'], { at: 'Stripe.release', when: 'before', nth: 1 }, 'all'],
    ['a bag key\'s chain of big records, half freed', 'bag', 'delete', ['k28'], { at: 'Stripe.release', when: 'before', nth: 2 }, 'all'],
    ['one big record taken out of a bag chain, not freed', 'bag', 'deleteObject', [['k28', big(5)]], { at: 'Stripe.release', when: 'before', nth: 1 }, 'all'],
    ['a new big record appended to a bag chain, not linked', 'bag', 'insert', [['k28', big(9)]], { at: 'Stripe.setLink', when: 'before', nth: 1 }, 'none'],
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

describe('a dying writer\'s index, order and chunk blocks are reclaimed', () => {
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
