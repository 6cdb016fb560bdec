/**
 * The readCache option: lookups answered from a per-thread cache of decoded
 * objects must give what an uncached table gives, after every kind of write,
 * from this thread and from others.
 */
import fc from 'fast-check';
import { BadArgError, Ets, TableDeletedError, type Table, type TableType } from '@erlmcp/ets';
import { Node, spawn, type ProcessContext } from '@erlmcp/otp';
import type { VersionedCache } from '@erlmcp/shm';
import { H_CACHE_EPOCH, S_CHANGES, stripeBase } from '../src/layout';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(stopAllWorkers);

type Obj = [unknown, unknown];

const keyArb = fc.oneof(
  fc.constantFrom('a', 'b', 'c', '', 'é'),
  fc.integer({ min: -2, max: 3 }),
  fc.constantFrom(1.5, -0, 2 ** 40),
  fc.constant(['t', 1]),
);
const valueArb = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.string({ maxLength: 4 }),
  fc.record({ pid: fc.integer({ min: 0, max: 9 }), tags: fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }) }),
  fc.constant(new Uint8Array([1, 2])),
  fc.constant(null),
);

type Op =
  | { op: 'insert'; obj: Obj }
  | { op: 'insertMany'; objs: Obj[] }
  | { op: 'insertNew'; obj: Obj }
  | { op: 'insertNewMany'; objs: Obj[] }
  | { op: 'delete'; key: unknown }
  | { op: 'deleteObject'; obj: Obj }
  | { op: 'take'; key: unknown }
  | { op: 'updateCounter'; key: unknown }
  | { op: 'updateElement'; key: unknown; value: unknown }
  | { op: 'selectDelete'; value: unknown }
  | { op: 'deleteAllObjects' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('insert' as const), obj: fc.tuple(keyArb, valueArb) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('insertMany' as const),
      objs: fc.array(fc.tuple(keyArb, valueArb), { maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insertNew' as const), obj: fc.tuple(keyArb, valueArb) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('insertNewMany' as const),
      objs: fc.array(fc.tuple(keyArb, valueArb), { maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteObject' as const), obj: fc.tuple(keyArb, valueArb) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('take' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('updateCounter' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('updateElement' as const), key: keyArb, value: valueArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('selectDelete' as const), value: valueArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteAllObjects' as const) }) },
);

/** Applies `op` to a table; errors (badarg on a counter that is not a number, ...) are part of the result. */
function apply(table: Table, op: Op, keyPos = 1): unknown {
  // With keyPos 2 the model's [key, value] objects are stored as [value, key].
  const o = (obj: Obj): Obj => (keyPos === 1 ? obj : [obj[1], obj[0]]);
  const vp = keyPos === 1 ? 2 : 1;
  try {
    switch (op.op) {
      case 'insert':
        return table.insert(o(op.obj));
      case 'insertMany':
        return table.insertMany(op.objs.map(o));
      case 'insertNew':
        return table.insertNew(o(op.obj));
      case 'insertNewMany':
        return table.insertNewMany(op.objs.map(o));
      case 'delete':
        return table.delete(op.key);
      case 'deleteObject':
        return table.deleteObject(o(op.obj));
      case 'take':
        return table.take(op.key);
      case 'updateCounter':
        return table.updateCounter(op.key, { pos: vp, incr: 1 }, o([op.key, 0]));
      case 'updateElement':
        return table.updateElement(op.key, [vp, op.value]);
      case 'selectDelete':
        return table.selectDelete((x) => JSON.stringify(x[vp - 1]) === JSON.stringify(op.value));
      case 'deleteAllObjects':
        return table.deleteAllObjects();
    }
  } catch (error) {
    return (error as Error).name;
  }
}

const READS: unknown[] = ['a', 'b', 'c', '', 'é', -2, -1, 0, 1, 2, 3, 1.5, -0, 2 ** 40, ['t', 1]];

/** What a reader sees of every key: lookup, member, lookupElement (with a default). */
function view(table: Table, keyPos = 1): unknown[] {
  return READS.map((k) => [table.lookup(k), table.member(k), table.lookupElement(k, keyPos === 1 ? 2 : 1, 'none')]);
}

describe.each(['set', 'ordered_set', 'bag', 'duplicate_bag'] as TableType[])('%s with readCache', (type) => {
  it('reads exactly what an uncached table reads, after every write', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(1, 2),
        (ops, readCache, readConcurrency, writeConcurrency, keyPos) => {
          const options = { type, access: 'public' as const, readConcurrency, writeConcurrency, keyPos };
          const cached = Ets.new(`cached_${type}`, { ...options, readCache });
          const plain = Ets.new(`plain_${type}`, options);
          try {
            for (const op of ops) {
              expect(apply(cached, op, keyPos)).toEqual(apply(plain, op, keyPos));
              // Twice: the second read of each key is a cache hit where the first filled it.
              expect(view(cached, keyPos)).toEqual(view(plain, keyPos));
              expect(view(cached, keyPos)).toEqual(view(plain, keyPos));
            }
            cached.check();
          } finally {
            Ets.delete(cached);
            Ets.delete(plain);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('objects from the cache', () => {
  it('are deep-frozen and shared; the list around them is the caller’s own', () => {
    const table = Ets.new('frozen', { readCache: 10 });
    table.insert(['k', { pid: 1, tags: ['a'] }]);
    const first = table.lookup('k');
    const second = table.lookup('k');
    expect(second[0]).toBe(first[0]);
    const object = second[0] as [string, { pid: number; tags: string[] }];
    expect(Object.isFrozen(object) && Object.isFrozen(object[1]) && Object.isFrozen(object[1].tags)).toBe(true);
    expect(() => {
      object[1].pid = 2;
    }).toThrow(TypeError);
    expect(() => object[1].tags.push('b')).toThrow(TypeError);
    second.push(['mine', 0]);
    expect(table.lookup('k')).toEqual([['k', { pid: 1, tags: ['a'] }]]);
  });

  it('holding a Date or a byte array are not cached: each lookup decodes a fresh, mutable copy', () => {
    const table = Ets.new('unfreezable', { readCache: 10 });
    table.insert(['d', new Date(5)]);
    table.insert(['b', { bytes: new Uint8Array([1, 2, 3]) }]);
    for (const k of ['d', 'b']) {
      const a = table.lookup(k)[0]!;
      const b = table.lookup(k)[0]!;
      expect(a).not.toBe(b);
      expect(a).toEqual(b);
      expect(Object.isFrozen(a)).toBe(false);
    }
    (table.lookup('b')[0]![1] as { bytes: Uint8Array }).bytes[0] = 9;
    expect((table.lookup('b')[0]![1] as { bytes: Uint8Array }).bytes[0]).toBe(1);
  });

  it('are not served once the table is deleted, nor to a process a private table refuses', async () => {
    const node = Node.start({ logLevel: 'silent' });
    // The owner fills its cache (two lookups) and stays alive, so the table does too.
    const owned = await new Promise<Table>((resolve) => {
      spawn(async (ctx: ProcessContext) => {
        const table = Ets.new('private', { access: 'private', readCache: 10 });
        table.insert(['k', 1]);
        table.lookup('k');
        table.lookup('k');
        resolve(table);
        await ctx.receive();
      });
    });
    const other = await new Promise<string>((resolve) => {
      spawn(() => {
        try {
          owned.lookup('k');
          resolve('served');
        } catch (error) {
          resolve((error as Error).name);
        }
      });
    });
    expect(other).toBe('AccessDeniedError');
    await node.stop();
    const table = Ets.new('gone', { readCache: 10 });
    table.insert(['k', 1]);
    table.lookup('k');
    Ets.delete(table);
    expect(() => table.lookup('k')).toThrow(TableDeletedError);
    expect(() => table.member('k')).toThrow(TableDeletedError);
  });
});

describe('the readCache option', () => {
  it('is reported by info and validated', () => {
    expect(Ets.new('rc', { readCache: 7 }).info().readCache).toBe(7);
    expect(Ets.new('rc0').info().readCache).toBe(0);
    for (const bad of [-1, 1.5, NaN, 2 ** 25, '10'])
      expect(() => Ets.new('rc', { readCache: bad as number })).toThrow(BadArgError);
  });

  it('a change count that wraps back to a cached stamp does not revive the entry (the cache epoch moved)', () => {
    const table = Ets.new('wrap', { readCache: 10 });
    const ctl = new Int32Array(table.handle().control);
    const changes = stripeBase(0) + S_CHANGES;
    table.insert(['k', 'old']);
    // One change before the count wraps to 0; cache 'k' at the stamp -1.
    ctl[changes] = -1;
    expect(table.lookup('k')).toEqual([['k', 'old']]);
    table.insert(['k', 'new']); // a change: -1, then 0, wrapped
    expect(ctl[changes]).toBe(0);
    expect(ctl[H_CACHE_EPOCH]).toBe(1);
    // 2^32 changes later the count is back at -1 (the epoch, moved once more on the way, is what differs).
    ctl[changes] = -1;
    expect(table.lookup('k')).toEqual([['k', 'new']]);
  });

  it('a change that wraps the count back to a cached stamp, made between a hit’s loads of the epoch and the count, is not missed', () => {
    const table = Ets.new('wrap-race', { readCache: 10 });
    const ctl = new Int32Array(table.handle().control);
    const changes = stripeBase(0) + S_CHANGES;
    table.insert(['k', 'old']); // a new key: the count stays 0
    expect(table.lookup('k')).toEqual([['k', 'old']]); // cached at (epoch 0, count 0)
    table.insert(['k', 'new']); // count 1
    ctl[changes] = -1; // 2^32 - 2 changes later, not yet wrapped
    // Another thread's change lands right after the hit's first load of a stamp word (whichever it loads first).
    const load = Atomics.load.bind(Atomics) as (view: Int32Array, index: number) => number;
    let armed = true;
    const spy = jest.spyOn(Atomics, 'load').mockImplementation(((view: Int32Array, index: number) => {
      const value = load(view, index);
      if (armed && view.buffer === ctl.buffer && (index === changes || index === H_CACHE_EPOCH)) {
        armed = false;
        table.delete('absent'); // a change: the count wraps to 0
      }
      return value;
    }) as typeof Atomics.load);
    try {
      expect(table.lookup('k')).toEqual([['k', 'new']]);
    } finally {
      spy.mockRestore();
    }
    expect(armed).toBe(false);
  });

  it('a reader between a wrapping write’s stores of the count and the epoch gets no hit from 2^32 changes ago', () => {
    const table = Ets.new('wrap-mid', { readCache: 10 });
    const ctl = new Int32Array(table.handle().control);
    const changes = stripeBase(0) + S_CHANGES;
    // This thread's cache, inside the table's read engine (engine/seqlock-read.ts).
    const cache = (table as unknown as { reader: { cache: VersionedCache<unknown> } }).reader.cache;
    table.insert(['k', 'old']);
    expect(table.lookup('k')).toEqual([['k', 'old']]); // cached at (epoch 0, count 0)
    table.insert(['k', 'new']);
    ctl[changes] = -1;
    // After each store the write makes to either word, a reader on another thread checks its entry.
    const add = Atomics.add.bind(Atomics) as (view: Int32Array, index: number, value: number) => number;
    const seen: Array<[number, number, boolean]> = [];
    const spy = jest.spyOn(Atomics, 'add').mockImplementation(((view: Int32Array, index: number, value: number) => {
      const old = add(view, index, value);
      if (view.buffer === ctl.buffer && (index === changes || index === H_CACHE_EPOCH))
        seen.push([ctl[changes]!, ctl[H_CACHE_EPOCH]!, cache.fresh('k', ctl) >= 0]);
      return old;
    }) as typeof Atomics.add);
    try {
      table.delete('absent'); // a change: the count wraps to 0
    } finally {
      spy.mockRestore();
    }
    expect(seen.length).toBe(2);
    expect(seen.filter(([, , hit]) => hit)).toEqual([]);
    expect(table.lookup('k')).toEqual([['k', 'new']]);
  });

  it.each([
    ['set', { type: 'set' as const }],
    ['bag, locked reads', { type: 'bag' as const, readConcurrency: false }],
  ])('adding new keys keeps the cached objects of the others; any change drops them (%s)', (_label, options) => {
    const table = Ets.new('adds', { readCache: 100, readConcurrency: true, ...options });
    table.insert(['a', 1]);
    const cached = table.lookup('a')[0];
    for (let i = 0; i < 50; i++) table.insert([`new${i}`, i]);
    table.insertNew(['a', 2]); // refused: changes nothing
    expect(table.lookup('a')[0]).toBe(cached);
    table.insert(['new0', 'again']); // a change to an existing key (a bag appends to it)
    const after = table.lookup('a')[0];
    expect(after).not.toBe(cached);
    expect(after).toEqual(['a', 1]);
  });
});

function sab(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes);
}

describe('with other threads writing', () => {
  it('a worker’s overwrite and delete are seen by the next lookup here', async () => {
    const table = Ets.new('remote', { access: 'public', readConcurrency: true, readCache: 100 });
    for (let i = 0; i < 20; i++) table.insert([`k${i}`, i]);
    for (let i = 0; i < 20; i++) table.lookup(`k${i}`);
    const w = startWorker('writer', {
      handle: table.handle(),
      ops: [
        ['insert', ['k3', 'changed']],
        ['delete', 'k4'],
        ['updateCounter', 'k5', 10],
      ],
    });
    await w.next(ofType('done'));
    expect(table.lookup('k3')).toEqual([['k3', 'changed']]);
    expect(table.lookup('k4')).toEqual([]);
    expect(table.member('k4')).toBe(false);
    expect(table.lookupElement('k5', 2)).toBe(15);
    for (let i = 6; i < 20; i++) expect(table.lookup(`k${i}`)).toEqual([[`k${i}`, i]]);
  });

  it.each([
    ['optimistic reads', { readConcurrency: true }],
    ['locked reads, 16 stripes', { writeConcurrency: true }],
  ])(
    'counters read through the cache while workers increment them never go back, and end exact (%s)',
    async (_label, options) => {
      const table = Ets.new('counted', { access: 'public', readCache: 64, ...options });
      const keys = Array.from({ length: 8 }, (_, i) => `c${i}`);
      for (const k of keys) table.insert([k, 0]);
      table.insert(['total', 0]);
      const start = sab(4);
      const rounds = 300;
      const parties = 2;
      const workers = Array.from({ length: parties }, () =>
        startWorker('counter', { handle: table.handle(), keys, rounds, start, parties }),
      );
      const last = keys.map(() => 0);
      let finished = false;
      const done = Promise.all(workers.map((w) => w.next(ofType('done')))).then(() => (finished = true));
      let backwards = 0;
      while (!finished) {
        keys.forEach((k, i) => {
          const v = table.lookupElement(k, 2) as number;
          if (v < last[i]!) backwards++;
          last[i] = v;
        });
        await new Promise((resolve) => setImmediate(resolve));
      }
      await done;
      expect(backwards).toBe(0);
      for (const k of keys) expect(table.lookupElement(k, 2)).toBe(parties * rounds);
    },
  );
});

describe('a writer that dies in the middle of a write', () => {
  it('leaves no cached entry that disagrees with the repaired table', async () => {
    const table = Ets.new('crash-cached', { access: 'public', readConcurrency: true, readCache: 100 });
    for (let i = 0; i < 50; i++) table.insert([`k${i}`, `value of k${i}`]);
    for (let i = 0; i < 50; i++) table.lookup(`k${i}`);
    const crasher = startWorker('crasher', { handle: table.handle(), mode: 'shift', key: 'k7' });
    await crasher.next(ofType('holding'));
    await crasher.worker.terminate();
    await crasher.exited;
    table.insert(['after', 1]); // recovers and repairs the stripe
    const truth = new Map(table.tab2list().map((o) => [o[0], o]));
    for (let i = 0; i < 50; i++) {
      const k = `k${i}`;
      expect(table.lookup(k)).toEqual(truth.has(k) ? [truth.get(k)] : []);
    }
    table.check();
  });
});
