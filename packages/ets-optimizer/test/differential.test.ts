/**
 * The scans and walks (select with specs, limits, ranges and reverse;
 * match, matchObject, foldl/foldr, first/next/last/prev, selectCount,
 * matchDelete) give what a plain @erlmcp/ets table with the same objects
 * gives, across shards.
 */
import fc from 'fast-check';
import { $, $_, _, Ets, END_OF_TABLE, type MatchSpec, type Table, type TableType } from '@erlmcp/ets';
import { OptimizedTable } from '@erlmcp/ets-optimizer';

const objArb = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 40 }), fc.string({ maxLength: 3 })),
  fc.integer({ min: -10, max: 10 }),
  fc.constantFrom('a', 'b', 'c'),
);
const SPECS: MatchSpec[] = [
  [{ head: [$(1), $(2), _], guards: [['>', $(2), 0]], result: [$(1), $(2)] }],
  [{ head: [$(1), _, 'a'], result: $_ }],
  [
    { head: [3, _, _], result: $_ },
    { head: ['x', _, _], result: $_ },
  ],
];

function keysOf(t: { first(): unknown; next(k: unknown): unknown }): unknown[] {
  const out: unknown[] = [];
  for (let k = t.first(); k !== END_OF_TABLE; k = t.next(k)) out.push(k);
  return out;
}

function keysBack(t: { last(): unknown; prev(k: unknown): unknown }): unknown[] {
  const out: unknown[] = [];
  for (let k = t.last(); k !== END_OF_TABLE; k = t.prev(k)) out.push(k);
  return out;
}

const sorted = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

describe.each(['set', 'ordered_set', 'bag'] as TableType[])('%s over 16 shards answers as a plain table', (type) => {
  it('scans, specs and walks', () => {
    fc.assert(
      fc.property(
        fc.array(objArb, { maxLength: 80 }),
        fc.nat(SPECS.length - 1),
        fc.integer({ min: 1, max: 10 }),
        (objs, s, limit) => {
          const plain: Table = Ets.new('plain', { type, access: 'public' });
          const opt = OptimizedTable.create('opt', { type, access: 'public' });
          try {
            for (const o of objs) {
              plain.insert(o);
              opt.insert(o);
            }
            const spec = SPECS[s]!;
            const ordered = type === 'ordered_set';
            const same = (a: unknown[], b: unknown[]): void =>
              ordered ? expect(a).toEqual(b) : expect(sorted(a)).toEqual(sorted(b));
            same(opt.select(spec), plain.select(spec));
            same(opt.match([$(1), _, $(2)]), plain.match([$(1), _, $(2)]));
            same(opt.matchObject([_, 1, _]), plain.matchObject([_, 1, _]));
            same(
              opt.foldl((o, acc: unknown[]) => [...acc, o], []),
              plain.foldl((o, acc: unknown[]) => [...acc, o], []),
            );
            same(
              opt.foldr((o, acc: unknown[]) => [...acc, o], []),
              plain.foldr((o, acc: unknown[]) => [...acc, o], []),
            );
            expect(opt.selectCount([{ head: [_, $(1), _], guards: [['<', $(1), 0]], result: true }])).toBe(
              plain.selectCount([{ head: [_, $(1), _], guards: [['<', $(1), 0]], result: true }]),
            );
            expect(sorted(keysOf(opt))).toEqual(sorted(keysOf(plain)));
            expect(opt.select(spec, { limit }).length).toBe(plain.select(spec, { limit }).length);
            if (ordered) {
              expect(keysOf(opt)).toEqual(keysOf(plain));
              expect(keysBack(opt)).toEqual(keysBack(plain));
              expect(opt.select(spec, { limit })).toEqual(plain.select(spec, { limit }));
              const range = { gte: 5, lt: 'b' };
              expect(opt.select(spec, { range })).toEqual(plain.select(spec, { range }));
              expect(opt.select(spec, { range, reverse: true, limit })).toEqual(
                plain.select(spec, { range, reverse: true, limit }),
              );
              expect(opt.next(7.5)).toEqual(plain.next(7.5));
              expect(opt.prev('a')).toEqual(plain.prev('a'));
            }
            opt.matchDelete([_, _, 'b']);
            plain.matchDelete([_, _, 'b']);
            same(opt.tab2list(), plain.tab2list());
            expect(opt.size).toBe(plain.size);
          } finally {
            Ets.delete(plain);
            OptimizedTable.delete(opt);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
