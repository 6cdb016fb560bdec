/**
 * replaceObject: compare-and-swap on one key. It replaces (or deletes) only
 * the object it was told to expect, and a concurrent writer in another
 * thread makes it fail rather than be overwritten.
 */
import fc from 'fast-check';
import { BadArgError, Ets, type Table } from '@erlmcp/ets';
import { startWorker, ofType, stopAllWorkers } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

describe('replaceObject', () => {
  it.each(['set', 'ordered_set'] as const)(
    '%s: swaps only the expected object, deletes without a replacement',
    (type) => {
      const t = Ets.new('cas', { type, access: 'public', writeConcurrency: true });
      t.insert(['k', 1, { a: 'x' }]);
      expect(t.replaceObject(['k', 2, { a: 'x' }], ['k', 3])).toBe(false);
      expect(t.lookup('k')).toEqual([['k', 1, { a: 'x' }]]);
      expect(t.replaceObject(['k', 1, { a: 'x' }], ['k', 3])).toBe(true);
      expect(t.lookup('k')).toEqual([['k', 3]]);
      expect(t.replaceObject(['absent', 3], ['absent', 4])).toBe(false);
      expect(t.member('absent')).toBe(false);
      expect(t.replaceObject(['k', 3])).toBe(true);
      expect(t.member('k')).toBe(false);
      expect(t.size).toBe(0);
      t.check();
    },
  );

  it('refuses a replacement with another key, and bags', () => {
    const t = Ets.new('cas', { access: 'public' });
    t.insert(['k', 1]);
    expect(() => t.replaceObject(['k', 1], ['j', 1])).toThrow(BadArgError);
    expect(t.lookup('k')).toEqual([['k', 1]]);
    const b = Ets.new('casbag', { type: 'bag', access: 'public' });
    expect(() => b.replaceObject(['k', 1], ['k', 2])).toThrow(BadArgError);
  });

  it('matches a model of compare-and-swap', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.integer({ min: 0, max: 3 }),
            fc.option(fc.integer({ min: 0, max: 3 })),
          ),
          { maxLength: 40 },
        ),
        (steps) => {
          const t: Table = Ets.new('casmodel', { access: 'public', readCache: 16 });
          const model = new Map<number, number>();
          for (const [k, expected, next] of steps) {
            t.lookup(k); // fills the read cache, which a swap must make stale
            const ok = model.get(k) === expected;
            expect(t.replaceObject([k, expected], next === null ? undefined : [k, next])).toBe(ok);
            if (ok) {
              if (next === null) model.delete(k);
              else model.set(k, next);
            }
            expect(t.lookup(k)).toEqual(model.has(k) ? [[k, model.get(k)]] : []);
            if (!ok && !model.has(k) && next !== null) {
              t.insert([k, next]);
              model.set(k, next);
            }
          }
          t.check();
          Ets.delete(t);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('two threads incrementing through compare-and-swap lose no update', async () => {
    const t = Ets.new('cascount', { access: 'public', writeConcurrency: true, readConcurrency: true });
    t.insert(['n', 0]);
    const workers = [0, 1].map(() => startWorker('cas-incr', { handle: t.handle(), key: 'n', times: 2000 }));
    const done = await Promise.all(workers.map((w) => w.next<{ retries: number }>(ofType('done'))));
    expect(t.lookup('n')).toEqual([['n', 4000]]);
    expect(done.length).toBe(2);
  });
});
