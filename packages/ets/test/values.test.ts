/**
 * Which JavaScript values come back from a table as they went in (as values
 * and as keys), which are refused at insert, and the documented corners in
 * between (README, "Values").
 */
import fc from 'fast-check';
import * as vm from 'node:vm';
import { $, _, Ets, UnencodableError, type Table, type Tuple } from '@erlmcp/ets';
import { startWorker, stopAllWorkers } from './helpers';

afterAll(stopAllWorkers);

/** Own enumerable properties set with defineProperty, so '__proto__' is a property like any other. */
function record(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/**
 * A typed array class of Node's own realm. Jest runs tests in a separate
 * realm whose typed arrays (but for Uint8Array, which it takes from Node)
 * msgpackr does not recognise, so it would encode them as plain objects there;
 * in a real process (see the worker test) every typed array is Node's.
 */
function nodeRealm<C>(name: string): C {
  return vm.runInThisContext(name) as C;
}
const NodeFloat64Array = nodeRealm<Float64ArrayConstructor>('Float64Array');
const NodeFloat32Array = nodeRealm<Float32ArrayConstructor>('Float32Array');
const NodeInt32Array = nodeRealm<Int32ArrayConstructor>('Int32Array');

const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 60)),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
  fc.date(),
  fc.uint8Array({ maxLength: 6 }).map((a) => (a.length % 2 === 0 ? a : Buffer.from(a))),
  fc.float64Array({ maxLength: 3 }).map((a) => new NodeFloat64Array(a)),
  fc.int32Array({ maxLength: 3 }).map((a) => new NodeInt32Array(a)),
);

const { value } = fc.letrec<{
  value: unknown;
  array: unknown[];
  object: Record<string, unknown>;
  map: Map<unknown, unknown>;
  set: Set<unknown>;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('array'),
    tie('object'),
    tie('map'),
    tie('set'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc
    .array(fc.tuple(fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__proto__')), tie('value')), { maxLength: 4 })
    .map(record),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((members) => new Set(members)),
}));

/** Same value, same types (prototypes), -0 apart from 0, property, Map and Set order included. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === 'number') return Object.is(a, b);
  if (a === null || typeof a !== 'object' || b === null) return a === b;
  const o = b as object;
  // Typed arrays by class name and bytes: see nodeRealm.
  if (ArrayBuffer.isView(a))
    return ArrayBuffer.isView(o) && a.constructor.name === o.constructor.name && bytesOf(a).equals(bytesOf(o));
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(o)) return false;
  if (a instanceof Date) return Object.is(a.getTime(), (o as Date).getTime());
  if (a instanceof Map || a instanceof Set) return same([...a], [...(o as Map<unknown, unknown> | Set<unknown>)]);
  if (Array.isArray(a)) {
    const r = o as unknown[];
    if (a.length !== r.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], r[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(o);
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (o as Record<string, unknown>)[k]))
  );
}

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Whether the key is stored whole in its tuple (key-codec's "lossy"): it holds an object other than an array or a Date. */
function storedWhole(k: unknown): boolean {
  if (k === null || typeof k !== 'object' || k instanceof Date) return false;
  return Array.isArray(k) ? k.some(storedWhole) : true;
}

/** A key as the table gives it back: itself if stored whole, else its canonical form (-0 is 0). */
function storedKey(k: unknown): unknown {
  if (storedWhole(k)) return k;
  if (Array.isArray(k)) return k.map(storedKey);
  return Object.is(k, -0) ? 0 : k;
}

const kinds: [string, () => Table<Tuple>][] = [
  ['set', () => Ets.new('values', {})],
  ['ordered_set, readConcurrency', () => Ets.new('values', { type: 'ordered_set', readConcurrency: true })],
];

describe.each(kinds)('values round-trip (%s)', (_name, make) => {
  it('every generated value comes back from lookup, lookupElement and tab2list as it was inserted', () => {
    const t = make();
    try {
      fc.assert(
        fc.property(value, (v) => {
          t.insert(['k', v, [v]]);
          const [found] = t.lookup('k');
          expect(same(found, ['k', v, [v]])).toBe(true);
          expect(same(t.lookupElement('k', 2), v)).toBe(true);
          expect(same(t.tab2list(), [['k', v, [v]]])).toBe(true);
        }),
        { numRuns: 300 },
      );
    } finally {
      Ets.delete(t);
    }
  });

  it('every generated key is found again and comes back whole, or in its canonical form', () => {
    fc.assert(
      fc.property(value, (k) => {
        const t = make();
        try {
          t.insert([k, 'v']);
          expect(t.member(k)).toBe(true);
          const found = t.lookup(k);
          expect(found).toHaveLength(1);
          // lookup may echo a primitive probe as is; otherwise the key is read back from the table
          if (storedWhole(k) || typeof k === 'object') expect(same(found[0]![0], storedKey(k))).toBe(true);
          expect(same(t.first(), storedKey(k))).toBe(true);
          expect(same(t.tab2list(), [[storedKey(k), 'v']])).toBe(true);
        } finally {
          Ets.delete(t);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('values: examples', () => {
  let t: Table<Tuple>;
  beforeEach(() => {
    t = Ets.new('values', { access: 'public' });
  });
  afterEach(() => Ets.delete(t));

  it('a Map keeps its non-string keys, its order and its type, as a value and as a key', () => {
    const m = new Map<unknown, unknown>([
      [2, 'b'],
      [1, 'a'],
      [{ x: 1 }, new Map([[1n, new Set([new Date(0)])]])],
    ]);
    t.insert(['k', m]);
    const v = t.lookupElement('k', 2) as Map<unknown, unknown>;
    expect(v).toBeInstanceOf(Map);
    expect([...v.keys()]).toEqual([2, 1, { x: 1 }]);
    expect(same(v, m)).toBe(true);
    t.insert([m, 'as key']);
    expect(same(t.lookup(m), [[m, 'as key']])).toBe(true);
    expect(t.member(new Map([[1, 'x']]))).toBe(false);
  });

  it('an empty Map and a Map with string keys stay Maps', () => {
    t.insert(['a', new Map(), new Map([['x', 1]])]);
    expect(same(t.lookup('a')[0], ['a', new Map(), new Map([['x', 1]])])).toBe(true);
  });

  it('-0 stays -0 inside values; as a key it is the key 0', () => {
    t.insert(['z', -0, [-0], { n: -0 }]);
    const [o] = t.lookup('z');
    expect(Object.is(o![1], -0)).toBe(true);
    expect(Object.is((o![2] as number[])[0], -0)).toBe(true);
    expect(Object.is((o![3] as { n: number }).n, -0)).toBe(true);
    t.insert([-0, 'neg']);
    expect(t.lookup(0)).toEqual([[0, 'neg']]);
    expect(Object.is(t.tab2list().find((x) => x[1] === 'neg')![0], 0)).toBe(true);
  });

  it('NaN, undefined inside arrays and objects, bigints, Dates (an invalid one too) and typed arrays round-trip', () => {
    const obj = [
      'u',
      NaN,
      [undefined, 1],
      { a: undefined },
      2n ** 70n,
      -5n,
      new Date(NaN),
      new Date(7),
      new NodeFloat32Array([1.5]),
      Buffer.from([0, 1]),
    ];
    t.insert(obj);
    const [o] = t.lookup('u');
    expect(Number.isNaN(o![1])).toBe(true);
    expect(o![2]).toEqual([undefined, 1]);
    expect(Object.prototype.hasOwnProperty.call(o![3], 'a')).toBe(true);
    expect(o![4]).toBe(2n ** 70n);
    expect(o![5]).toBe(-5n);
    expect(Number.isNaN((o![6] as Date).getTime())).toBe(true);
    expect((o![7] as Date).getTime()).toBe(7);
    expect(same(o![8], new NodeFloat32Array([1.5]))).toBe(true);
    expect(Buffer.isBuffer(o![9])).toBe(true);
  });

  it('documented corners: holes read back as undefined, class instances and null-prototype objects as plain objects, Map subclasses as Maps', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    class Registry extends Map<string, number> {}
    const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
    // eslint-disable-next-line no-sparse-arrays -- the hole is what this test stores
    t.insert(['c', [1, , 3], new Point(1, 2), nullProto, new Registry([['r', 1]])]);
    const [o] = t.lookup('c');
    expect(o![1]).toEqual([1, undefined, 3]);
    expect(1 in (o![1] as unknown[])).toBe(true);
    expect(Object.getPrototypeOf(o![2])).toBe(Object.prototype);
    expect(o![2]).toEqual({ x: 1, y: 2 });
    expect(Object.getPrototypeOf(o![3])).toBe(Object.prototype);
    expect(o![3]).toEqual({ a: 1 });
    expect(o![4]).toEqual(new Map([['r', 1]]));
    expect(Object.getPrototypeOf(o![4])).toBe(Map.prototype);
  });

  it.each([
    ['a boxed number', () => new Number(1)],
    ['a boxed string', () => new String('ab')],
    ['a boxed boolean', () => new Boolean(false)],
    ['a boxed bigint', () => Object(1n) as object],
    ['a WeakMap', () => new WeakMap()],
    ['a WeakSet', () => new WeakSet()],
    ['a WeakRef', () => new WeakRef({})],
    ['a Promise', () => Promise.resolve(1)],
    ['a SharedArrayBuffer', () => new SharedArrayBuffer(8)],
  ])(
    'refuses %s (its contents would be lost) with UnencodableError, as a value or a key, writing nothing',
    (_what, make) => {
      t.insert(['keep', 1]);
      const before = t.info();
      const bad = make();
      expect(() => t.insert(['x', bad])).toThrow(UnencodableError);
      expect(() => t.insert(['x', { deep: [new Map([[1, bad]])] }])).toThrow(UnencodableError);
      expect(() => t.insert([bad, 1])).toThrow(UnencodableError);
      expect(() => t.insert([[1, { k: bad }], 1])).toThrow(UnencodableError);
      expect(() =>
        t.insertMany([
          ['y', 1],
          ['x', bad],
        ]),
      ).toThrow(TypeError);
      expect(() => t.updateElement('keep', [2, bad])).toThrow(UnencodableError);
      expect(t.tab2list()).toEqual([['keep', 1]]);
      expect(t.info()).toEqual(before);
    },
  );

  it('updateElement keeps the Maps and -0 of the elements it does not replace', () => {
    t.insert(['e', new Map([[1, 2]]), -0, 'old']);
    t.updateElement('e', [4, 'new']);
    const [o] = t.lookup('e');
    expect(o![1]).toEqual(new Map([[1, 2]]));
    expect(Object.is(o![2], -0)).toBe(true);
    expect(o![3]).toBe('new');
  });

  it('match specs see a Map as an Erlang map: object patterns, map_get, is_map_key and is_map', () => {
    t.insert([
      'm',
      new Map<unknown, unknown>([
        ['pid', 7],
        [1, 'one'],
      ]),
    ]);
    t.insert(['o', { pid: 8 }]);
    expect(t.match(['m', { pid: $(1) }])).toEqual([[7]]);
    expect(t.select([{ head: [$(1), $(2)], guards: [['is_map', $(2)]], result: $(1) }]).sort()).toEqual(['m', 'o']);
    expect(t.select([{ head: [$(1), $(2)], guards: [['=:=', ['map_get', 'pid', $(2)], 7]], result: $(1) }])).toEqual([
      'm',
    ]);
    expect(t.select([{ head: [$(1), $(2)], guards: [['is_map_key', 1, $(2)]], result: $(1) }])).toEqual(['m']);
    expect(t.matchObject([_, { missing: _ }])).toEqual([]);
    t.insert(['t', new Map<unknown, unknown>([[[1, 'a'], 'tuple key']])]);
    expect(
      t.select([{ head: [$(1), $(2)], guards: [['is_map_key', ['const', [1, 'a']], $(2)]], result: $(1) }]),
    ).toEqual(['t']);
    expect(
      t.select([
        { head: ['t', $(2)], guards: [['=:=', ['map_get', ['const', [1, 'a']], $(2)], 'tuple key']], result: 'found' },
      ]),
    ).toEqual(['found']);
  });
});

describe('values across threads', () => {
  it('a worker reads the Maps, -0 and typed arrays the main thread stored, and stores its own that the main thread reads back', async () => {
    const t = Ets.new('values-threads', { access: 'public', readConcurrency: true });
    try {
      const stored = new Map<unknown, unknown>([
        [1, -0],
        ['s', new Set([new Map([[2n, 'x']])])],
        ['f', new NodeFloat32Array([0.5])],
      ]);
      t.insert(['main', stored]);
      const w = startWorker('values', { handle: t.handle(), keys: ['main'] });
      const m = await w.next((msg) => msg.type === 'checked');
      await w.exited;
      expect(m).toMatchObject({ isMap: true, negativeZero: true });
      expect(same(t.lookupElement(['echo', 'main'], 2), stored)).toBe(true);
      const [mine] = t.lookup('worker');
      expect(
        same(mine, [
          'worker',
          new Map<unknown, unknown>([
            [3, [-0]],
            [{ a: 1 }, 'obj key'],
          ]),
          new NodeFloat32Array([2.5]),
        ]),
      ).toBe(true);
    } finally {
      Ets.delete(t);
    }
  });
});

/** Strings of UTF-16 code units, lone surrogates often among them. */
const wtf16 = fc
  .array(fc.oneof(fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff, 0x61, 0xe9), fc.integer({ min: 0, max: 0xffff })), {
    maxLength: 8,
  })
  .map((units) => String.fromCharCode(...units));

describe('strings holding lone surrogates', () => {
  it('come back unchanged as values, inside arrays, objects, Maps and Sets, from lookup and tab2list', () => {
    const t = Ets.new('surrogates', { readCache: 4 });
    try {
      fc.assert(
        fc.property(wtf16, (s) => {
          const object = ['k', s, [s], { p: s }, new Map([[s, s]]), new Set([s])];
          t.insert(object);
          expect(same(t.lookup('k')[0], object)).toBe(true);
          expect(same(t.tab2list(), [object])).toBe(true);
        }),
        { numRuns: 300 },
      );
    } finally {
      Ets.delete(t);
    }
  });

  it('are told apart from the replacement character: two bag objects stay two, deleteObject finds its own', () => {
    const t = Ets.new('surrogates-bag', { type: 'bag' });
    try {
      t.insert([1, '\ud800']);
      t.insert([1, '\udc00']);
      t.insert([1, '\ufffd']);
      expect(t.lookup(1)).toEqual([
        [1, '\ud800'],
        [1, '\udc00'],
        [1, '\ufffd'],
      ]);
      t.deleteObject([1, '\ud800']);
      expect(t.lookup(1)).toEqual([
        [1, '\udc00'],
        [1, '\ufffd'],
      ]);
    } finally {
      Ets.delete(t);
    }
  });

  it('in a key stored whole, the key comes back exactly and stays a key of its own', () => {
    const t = Ets.new('surrogates-keys', {});
    try {
      t.insert([{ a: '\ud800' }, 1]);
      t.insert([{ a: '\udc00' }, 2]);
      t.insert([new Set(['\ud800']), 3]);
      t.insert([new Set(['\udc00']), 4]);
      expect(t.size).toBe(4);
      expect(same(t.lookup({ a: '\ud800' }), [[{ a: '\ud800' }, 1]])).toBe(true);
      expect(t.lookup(new Set(['\udc00']))).toHaveLength(1);
      expect(t.lookupElement(new Set(['\udc00']), 2)).toBe(4);
    } finally {
      Ets.delete(t);
    }
  });

  it('as a property name (msgpack would replace it) are refused with UnencodableError, and nothing is written', () => {
    const t = Ets.new('surrogates-names', {});
    try {
      expect(() => t.insert(['k', { '\ud800': 1 }])).toThrow(UnencodableError);
      expect(() => t.insert([{ '\udc00': 1 }, 1])).toThrow(UnencodableError);
      expect(t.size).toBe(0);
    } finally {
      Ets.delete(t);
    }
  });
});

describe('Errors', () => {
  /** An Error's name, message, cause (and an AggregateError's errors) compared as `same` compares values. */
  function sameError(a: unknown, b: unknown): boolean {
    if (!(a instanceof Error) || !(b instanceof Error)) return false;
    const errors = (e: Error): unknown => (e instanceof AggregateError ? e.errors : undefined);
    return (
      Object.getPrototypeOf(a) === Object.getPrototypeOf(b) &&
      a.name === b.name &&
      a.message === b.message &&
      same(a.cause, b.cause) &&
      same(errors(a), errors(b))
    );
  }

  /** Stores each Error under its index and checks that what comes back is the same Error. */
  function expectRoundTrips(t: Table, stored: Error[]): void {
    for (const [i, e] of stored.entries()) {
      t.insert([i, e]);
      const back = t.lookupElement(i, 2);
      expect({ i, same: sameError(back, e) }).toEqual({ i, same: true });
    }
  }

  it('keep the Maps, -0, Sets and lone surrogates of their cause, message and errors (the cause given to the constructor is not enumerable)', () => {
    const t = Ets.new('errors', { readCache: 4 });
    try {
      const stored: Error[] = [
        new Error('map', {
          cause: new Map<unknown, unknown>([
            [1, 'one'],
            [{ a: 1 }, -0],
          ]),
        }),
        new RangeError('zero', { cause: -0 }),
        new TypeError('nested', { cause: { list: [new Set([new Map([[2, 3]])])] } }),
        new Error('lone \ud800', { cause: '\udc00' }),
        new AggregateError([new Map([[1, 2]]), -0], 'aggregate', { cause: [new Map()] }),
      ];
      expectRoundTrips(t, stored);
    } finally {
      Ets.delete(t);
    }
  });

  it("keep a '__proto__' property of their cause as a property, and their class, unknown names included", () => {
    const t = Ets.new('errors-proto', {});
    try {
      const renamed = new Error('custom', {
        cause: record([
          ['__proto__', { x: 1 }],
          ['y', [record([['__proto__', 2]])]],
        ]),
      });
      renamed.name = 'MyError';
      const stored = [renamed, new SyntaxError('s', { cause: record([['__proto__', 'p']]) })];
      expectRoundTrips(t, stored);
    } finally {
      Ets.delete(t);
    }
  });

  it('with a message or name that is not a string read back with it as is', () => {
    const t = Ets.new('errors-message', {});
    try {
      const messages: unknown[] = [5, { toString: 1 }, ['a'], null];
      for (const [i, message] of messages.entries()) {
        const e = new Error('m');
        e.message = message as string;
        t.insert([i, e]);
        const back = t.lookupElement(i, 2) as Error;
        expect(back).toBeInstanceOf(Error);
        expect({ i, same: same(back.message, message) }).toEqual({ i, same: true });
      }
      const named = new Error('m');
      named.name = 5 as unknown as string;
      t.insert(['named', named]);
      expect((t.lookupElement('named', 2) as Error).name).toBe(5);
    } finally {
      Ets.delete(t);
    }
  });

  it('holding a function, symbol or opaque object in their cause or errors are refused with UnencodableError, writing nothing', () => {
    const t = Ets.new('errors-refused', {});
    try {
      for (const cause of [() => 1, Symbol('s'), new WeakMap(), { deep: [new Number(1)] }]) {
        expect(() => t.insert(['k', new Error('m', { cause })])).toThrow(UnencodableError);
        expect(() => t.insert(['k', new AggregateError([cause], 'm')])).toThrow(UnencodableError);
      }
      expect(t.size).toBe(0);
    } finally {
      Ets.delete(t);
    }
  });
});
