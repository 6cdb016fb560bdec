/**
 * select with clauses whose heads fix the key runs lookups instead of a
 * scan; it must return exactly what the scan returns (ets:select's results,
 * each object once, in key order on an ordered_set).
 */
import fc from 'fast-check';
import { _, $, Ets, type MatchSpec, type TableType } from '@erlmcp/ets';

afterEach(() => {
  for (const t of Ets.all()) Ets.delete(t);
});

describe('select on clauses that fix the key', () => {
  it('an object pattern in the key position matches keys with more properties, as a scan does', () => {
    const t = Ets.new('object-pattern-key');
    t.insert([{ a: 1, b: 2 }, 'v']);
    expect(t.matchObject([{ a: 1 }, _])).toEqual([[{ a: 1, b: 2 }, 'v']]);
    expect(t.select([{ head: [{ a: 1 }, _] }])).toEqual([[{ a: 1, b: 2 }, 'v']]);
    expect(t.select([{ head: [[{ a: 1 }], _] }])).toEqual([]);
  });

  it('two clauses fixing the same key give each object once', () => {
    const t = Ets.new('same-key-twice');
    t.insert([[1, 2], 'v']);
    t.insert([0, 'zero']);
    expect(t.select([{ head: [[1, 2], _] }, { head: [[1, 2], _], result: 'second' }])).toEqual([[[1, 2], 'v']]);
    expect(t.select([{ head: [0, _] }, { head: [-0, _] }])).toEqual([[0, 'zero']]);
  });

  it('an ordered_set gives the objects in key order (reversed with reverse), whatever the clause order', () => {
    const t = Ets.new('ordered-lookups', { type: 'ordered_set' });
    for (const k of [1, 'a', 3, [1]]) t.insert([k, 0]);
    const spec = [{ head: ['a', _] }, { head: [[1], _] }, { head: [1, _] }];
    expect(t.select(spec)).toEqual([
      [1, 0],
      ['a', 0],
      [[1], 0],
    ]);
    expect(t.select(spec, { reverse: true })).toEqual([
      [[1], 0],
      ['a', 0],
      [1, 0],
    ]);
    expect(t.select(spec, { limit: 2 })).toEqual([
      [1, 0],
      ['a', 0],
    ]);
  });

  const keyArb = fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom('a', 'b', -0),
    fc.tuple(fc.integer({ min: 0, max: 1 }), fc.constantFrom('x', 'y')),
    fc.record({ x: fc.integer({ min: 0, max: 1 }) }, { requiredKeys: [] }),
    fc.record({ x: fc.integer({ min: 0, max: 1 }), y: fc.constant('p') }),
  );

  it.each<TableType>(['set', 'ordered_set', 'bag', 'duplicate_bag'])(
    '%s: equals what a scan of the same clauses gives',
    (type) => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 2 }))),
          fc.array(keyArb, { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          (objects, keys, reverse) => {
            const t = Ets.new('prop', { type, writeConcurrency: true });
            try {
              for (const o of objects) t.insert(o);
              const spec: MatchSpec = keys.map((k, i) => ({ head: [k, $(1)], result: [$(1), i] }));
              // matchObject always scans: which objects each clause's head matches.
              const matchedBy = keys.map((k) => new Set(t.matchObject([k, _]).map((o) => JSON.stringify(o))));
              const expected: unknown[] = [];
              for (const o of t.tab2list()) {
                const i = matchedBy.findIndex((m) => m.has(JSON.stringify(o)));
                if (i >= 0) expected.push([o[1], i]);
              }
              const ordered = type === 'ordered_set';
              if (ordered && reverse) expected.reverse();
              const got = t.select(spec, ordered ? { reverse } : {});
              if (ordered) expect(got).toEqual(expected);
              else expect(sorted(got)).toEqual(sorted(expected));
            } finally {
              Ets.delete(t);
            }
          },
        ),
        { numRuns: 200 },
      );
    },
  );
});

function sorted(values: unknown[]): string[] {
  return values.map((v) => JSON.stringify(v)).sort();
}
