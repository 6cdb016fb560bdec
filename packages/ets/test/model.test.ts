/**
 * Model-based properties: random operation sequences on each table type give
 * the same results as a plain reference model (arrays and a Map).
 */
import fc from 'fast-check';
import { END_OF_TABLE, Ets, type Table } from '@erlmcp/ets';
import {
  id,
  Model,
  modelView,
  objArb,
  opArb,
  counterObjArb,
  run,
  runSequence,
  sortForCompare,
  type Obj,
} from '../../../test-support/table-model';
import { runStopped, stopAllWorkers, type StopStep } from './helpers';

describe.each(['set', 'ordered_set', 'bag', 'duplicate_bag'] as const)('%s behaves like its model', (type) => {
  it.each([
    ['one stripe', false],
    ['16 stripes, optimistic reads', true],
  ])('random operation sequences (%s)', (_label, concurrent) => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const table = Ets.new(`model_${type}`, {
          type,
          access: 'public',
          writeConcurrency: concurrent,
          readConcurrency: concurrent,
        });
        try {
          runSequence(modelView(table, END_OF_TABLE), type, ops);
          table.check();
        } finally {
          Ets.delete(table);
        }
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * Steps at which a multi-object write's writer is terminated, and whether the
 * write then counts as done (at or after its commit). A write that never
 * reaches the step (a one-object batch has no transaction) simply completes.
 */
const CRASH_STEPS: ReadonlyArray<{ step: StopStep; done: boolean }> = [
  { step: { at: 'Transaction.plan', when: 'before', nth: 2 }, done: false },
  { step: { at: 'Stripe.writeRecord', when: 'after', nth: 2 }, done: false },
  { step: { at: 'Transaction.commit', when: 'before', nth: 1 }, done: false },
  { step: { at: 'Transaction.commit', when: 'after', nth: 1 }, done: true },
  {
    step: {
      at: ['HashIndex.publish', 'HashIndex.replace', 'HashIndex.remove', 'Stripe.setLink'],
      when: 'after',
      nth: 2,
      afterCommit: true,
    },
    done: true,
  },
  { step: { at: 'Transaction.finish', when: 'after', nth: 1 }, done: true },
];

type CrashWrite = { write: 'insertMany' | 'insertNewMany' | 'deleteAllObjects'; objs: Obj[]; at: number };

const crashArb: fc.Arbitrary<CrashWrite> = fc.record({
  write: fc.constantFrom('insertMany' as const, 'insertNewMany' as const, 'deleteAllObjects' as const),
  objs: fc.array(objArb, { minLength: 1, maxLength: 12 }),
  at: fc.nat(CRASH_STEPS.length - 1),
});

/** Runs a multi-object write in a worker terminated at a step, and applies it to the model if it got done. */
async function crash(table: Table, model: Model, c: CrashWrite): Promise<void> {
  const { step, done } = CRASH_STEPS[c.at]!;
  const args = c.write === 'deleteAllObjects' ? [] : [c.objs];
  const ran = await runStopped(table, c.write, args, step);
  if (ran === 'stopped' && !done) return;
  if (c.write === 'deleteAllObjects') model.entries.clear();
  else if (c.write === 'insertMany') for (const o of c.objs) model.insert(o);
  else if (c.objs.every((o) => model.lookup(o[0]).length === 0)) {
    for (const o of c.objs) model.insert(o);
  }
}

describe('with a writer that dies in the middle of a multi-object write', () => {
  afterEach(stopAllWorkers);

  it.each(['set', 'ordered_set', 'bag', 'duplicate_bag'] as const)(
    '%s: the write is all there or absent, and the table behaves like its model after',
    async (type) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { maxLength: 25 }),
          crashArb,
          fc.array(opArb, { maxLength: 25 }),
          async (before, c, after) => {
            const table = Ets.new(`crash_${type}`, {
              type,
              access: 'public',
              writeConcurrency: true,
              readConcurrency: true,
            });
            try {
              const model = new Model(type);
              const view = modelView(table, END_OF_TABLE);
              for (const op of before) run(view, model, op);
              await crash(table, model, c);
              expect(sortForCompare(table.tab2list())).toEqual(sortForCompare(model.all()));
              for (const op of after) run(view, model, op);
              expect(sortForCompare(table.tab2list())).toEqual(sortForCompare(model.all()));
              if (type === 'ordered_set') expect(table.tab2list().map((o) => o[0])).toEqual(model.sortedKeys());
              table.check();
            } finally {
              Ets.delete(table);
            }
          },
        ),
        { numRuns: 10 },
      );
    },
  );
});

describe('counters keep a model of integer arithmetic', () => {
  it('updateCounter with thresholds matches a model', () => {
    fc.assert(
      fc.property(
        fc.array(counterObjArb, { minLength: 1, maxLength: 5 }),
        fc.array(
          fc.record({
            which: fc.nat(4),
            incr: fc.integer({ min: -20, max: 20 }),
            threshold: fc.option(fc.integer({ min: -30, max: 30 })),
          }),
          { maxLength: 40 },
        ),
        (initial, steps) => {
          const table = Ets.new('counters', { access: 'public' });
          try {
            const model = new Map<string, number>();
            for (const o of initial) {
              table.insert(o);
              model.set(id(o[0]), o[1]);
            }
            const keys = initial.map((o) => o[0]);
            for (const s of steps) {
              const key = keys[s.which % keys.length];
              let next = model.get(id(key))! + s.incr;
              if (s.threshold !== null && (s.incr >= 0 ? next > s.threshold : next < s.threshold)) next = -1;
              const op =
                s.threshold === null
                  ? { pos: 2, incr: s.incr }
                  : { pos: 2, incr: s.incr, threshold: s.threshold, setValue: -1 };
              expect(table.updateCounter(key, op)).toBe(next);
              model.set(id(key), next);
            }
            for (const o of initial) expect(table.lookupElement(o[0], 2)).toBe(model.get(id(o[0])));
          } finally {
            Ets.delete(table);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
