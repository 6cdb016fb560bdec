/**
 * Lookups against a Map model with keys of every type: the set tables' one
 * record path, the primitive key handed back as the caller passed it, the
 * ASCII string fast path and its fallbacks, after overwrites, deletes and
 * index growth.
 */
import fc from 'fast-check';
import { Ets, type TableType } from '@erlmcp/ets';

afterEach(() => {
  for (const t of Ets.all()) Ets.delete(t);
});

const keyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 40 }),
  fc.constantFrom(0, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 53),
  fc.constantFrom(true, false, null, undefined, 1n, -(2n ** 70n)),
  fc.constantFrom(
    'a',
    '',
    'session:1',
    'a\u0000',
    '\u0000',
    'é',
    '\ud800',
    '😀',
    '\x7f',
    'k'.repeat(300),
    'k'.repeat(299) + 'é',
  ),
  fc.string({ maxLength: 6 }),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('x', 'y')),
  fc.record({ x: fc.integer({ min: 0, max: 2 }), y: fc.constantFrom('p', 'q') }),
  fc.constantFrom(new Date(0), Uint8Array.of(0, 1)),
);
const valueArb = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  // Values come back as msgpackr returns them, -0 as 0 (README, Values): the model holds 0.
  fc.record({
    pid: fc.string({ maxLength: 10 }),
    node: fc.constantFrom('erlmcp@localhost', 'n2'),
    ts: fc.double().map((d) => (Object.is(d, -0) ? 0 : d)),
  }),
  fc.record({ pid: fc.integer(), node: fc.constant('n1') }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant(null),
);

/** Model identity of a key: the same key exactly when ETS says so (numbers by value, -0 is 0, one NaN, objects by properties). */
function id(k: unknown): string {
  return JSON.stringify(k, function (this: Record<string, unknown>, name: string, x: unknown) {
    const raw = this[name];
    if (typeof x === 'number')
      return Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? 0 : x === Infinity || x === -Infinity ? String(x) : x;
    if (typeof x === 'bigint') return `big:${x}`;
    if (x === undefined) return 'undefined';
    if (raw instanceof Date) return `date:${raw.getTime()}`;
    if (raw instanceof Uint8Array) return `bin:${[...raw].join(',')}`;
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      const o = x as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((p) => [p, o[p]]),
      );
    }
    return typeof x === 'string' ? `s:${x}` : x;
  });
}

const isPrimitive = (v: unknown) => v === null || (typeof v !== 'object' && typeof v !== 'function');

type Op =
  { op: 'insert'; key: unknown; value: unknown } | { op: 'delete'; key: unknown } | { op: 'fill'; from: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(keyArb, valueArb).map(([key, value]) => ({ op: 'insert' as const, key, value })) },
  { weight: 2, arbitrary: keyArb.map((key) => ({ op: 'delete' as const, key })) },
  // Many keys at once: the stripe indexes grow (and their records move) under the keys already there.
  { weight: 1, arbitrary: fc.nat(1000).map((from) => ({ op: 'fill' as const, from })) },
);

describe.each<[TableType, boolean]>([
  ['set', true],
  ['set', false],
  ['ordered_set', true],
  ['bag', true],
])('%s (readConcurrency %s): lookup agrees with a Map model for keys of every type', (type, readConcurrency) => {
  it('after inserts, overwrites, deletes and growth', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), keyArb, (ops, probe) => {
        const table = Ets.new<unknown[]>(`lookup_${type}`, {
          type,
          access: 'public',
          readConcurrency,
          writeConcurrency: readConcurrency,
        });
        const model = new Map<string, unknown[][]>();
        const keys: unknown[] = [probe];
        try {
          for (const o of ops) {
            if (o.op === 'insert') {
              table.insert([o.key, o.value]);
              const objs = model.get(id(o.key));
              if (type === 'bag' && objs !== undefined) {
                if (!objs.some((x) => id(x) === id([o.key, o.value]))) objs.push([o.key, o.value]);
              } else model.set(id(o.key), [[o.key, o.value]]);
              keys.push(o.key);
            } else if (o.op === 'delete') {
              table.delete(o.key);
              model.delete(id(o.key));
              keys.push(o.key);
            } else {
              for (let n = o.from; n < o.from + 200; n++) {
                table.insert([`fill:${n}`, n]);
                model.set(id(`fill:${n}`), [[`fill:${n}`, n]]);
              }
              keys.push(`fill:${o.from}`);
            }
            for (const k of keys) {
              const found = table.lookup(k);
              const expected = model.get(id(k)) ?? [];
              expect(found.length).toBe(expected.length);
              found.forEach((obj, i) => {
                expect(obj[1]).toEqual(expected[i]![1]);
                // A primitive key comes back as the caller passed it; any other key is a fresh copy, equal to the stored one.
                if (isPrimitive(k)) expect(Object.is(obj[0], k)).toBe(true);
                else {
                  expect(id(obj[0])).toBe(id(expected[i]![0]));
                  expect(obj[0]).not.toBe(k);
                  expect(obj[0]).not.toBe(expected[i]![0]);
                }
              });
            }
          }
          table.check();
        } finally {
          Ets.delete(table);
        }
      }),
      { numRuns: 60 },
    );
  });
});
