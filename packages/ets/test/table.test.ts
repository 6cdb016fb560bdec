/**
 * The table API on one thread: operations, access and ownership with
 * processes, memory limits and reuse, refusal of unencodable values.
 */
import {
  $,
  $$,
  $_,
  _,
  AccessDeniedError,
  BadArgError,
  END_OF_TABLE,
  Ets,
  NoSuchKeyError,
  TableDeletedError,
  TableFullError,
  TableNameTakenError,
  UnencodableError,
} from '@erlmcp/ets';
import { Node, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';

afterEach(() => {
  for (const t of Ets.all()) Ets.delete(t);
});

describe('operations', () => {
  it('keyPos picks the key element', () => {
    const t = Ets.new('kp', { keyPos: 2, access: 'public' });
    t.insert(['user', 'u1', 30]);
    t.insert(['admin', 'u1', 40]);
    expect(t.lookup('u1')).toEqual([['admin', 'u1', 40]]);
    expect(t.updateCounter('u1', 2)).toBe(42);
    expect(t.lookupElement('u1', 3)).toBe(42);
    expect(() => t.insert(['short'])).toThrow(BadArgError);
  });

  it('insertNew, take, member, lookupElement with and without defaults', () => {
    const t = Ets.new('ops');
    expect(t.insertNew(['a', 1])).toBe(true);
    expect(t.insertNew(['a', 2])).toBe(false);
    expect(
      t.insertNewMany([
        ['b', 1],
        ['a', 3],
      ]),
    ).toBe(false);
    expect(t.member('b')).toBe(false);
    expect(
      t.insertNewMany([
        ['b', 1],
        ['c', 3],
      ]),
    ).toBe(true);
    expect(t.lookupElement('zz', 2, 'dflt')).toBe('dflt');
    expect(() => t.lookupElement('zz', 2)).toThrow(NoSuchKeyError);
    expect(() => t.lookupElement('a', 3)).toThrow(BadArgError);
    expect(t.take('a')).toEqual([['a', 1]]);
    expect(t.member('a')).toBe(false);
  });

  it('updateCounter: several ops at once, thresholds, defaults, refusals', () => {
    const t = Ets.new('uc');
    t.insert(['k', 10, 100, 'text']);
    expect(
      t.updateCounter('k', [
        { pos: 2, incr: 5 },
        { pos: 3, incr: -1 },
      ]),
    ).toEqual([15, 99]);
    expect(t.updateCounter('k', { pos: 2, incr: 10, threshold: 20, setValue: 0 })).toBe(0);
    expect(t.updateCounter('k', { pos: 3, incr: -200, threshold: 0, setValue: 7 })).toBe(7);
    expect(() => t.updateCounter('k', { pos: 4, incr: 1 })).toThrow(/not an integer/);
    expect(() => t.updateCounter('k', { pos: 1, incr: 1 })).toThrow(/key/);
    expect(() => t.updateCounter('nope', 1)).toThrow(NoSuchKeyError);
    expect(t.updateCounter('new', 3, ['ignored', 1])).toBe(4);
    expect(t.lookup('new')).toEqual([['new', 4]]);
    expect(() => Ets.new('b', { type: 'bag' }).updateCounter('x', 1)).toThrow(BadArgError);
  });

  it('updateElement replaces elements, never the key', () => {
    const t = Ets.new('ue');
    t.insert(['k', 1, 2]);
    expect(t.updateElement('k', [3, 'three'])).toBe(true);
    expect(
      t.updateElement('k', [
        [2, 'two'],
        [3, { x: 1 }],
      ]),
    ).toBe(true);
    expect(t.lookup('k')).toEqual([['k', 'two', { x: 1 }]]);
    expect(t.updateElement('missing', [2, 0])).toBe(false);
    expect(t.updateElement('missing', [2, 0], ['_', 5, 6])).toBe(true);
    expect(t.lookup('missing')).toEqual([['missing', 0, 6]]);
    expect(() => t.updateElement('k', [1, 'x'])).toThrow(BadArgError);
  });

  it('bags keep insertion order, skip exact duplicates, and deleteObject removes copies', () => {
    const bag = Ets.new('bag', { type: 'bag' });
    const dup = Ets.new('dup', { type: 'duplicate_bag' });
    for (const t of [bag, dup]) {
      t.insert(['k', { a: 1, b: 2 }]);
      t.insert(['k', 2]);
      t.insert(['k', { b: 2, a: 1 }]);
    }
    expect(bag.lookup('k')).toEqual([
      ['k', { a: 1, b: 2 }],
      ['k', 2],
    ]);
    expect(dup.lookup('k')).toEqual([
      ['k', { a: 1, b: 2 }],
      ['k', 2],
      ['k', { a: 1, b: 2 }],
    ]);
    dup.deleteObject(['k', { a: 1, b: 2 }]);
    expect(dup.lookup('k')).toEqual([['k', 2]]);
    expect(bag.lookupElement('k', 2)).toEqual([{ a: 1, b: 2 }, 2]);
  });

  it('keys of any msgpack type, compared by value', () => {
    const t = Ets.new('keys', { type: 'ordered_set' });
    const keys = [
      null,
      false,
      -1.5,
      0,
      2,
      10n,
      new Date(1),
      'a',
      'b',
      Buffer.from([1]),
      [1, 'x'],
      { a: 1 },
      new Set([1]),
    ];
    for (const [i, k] of keys.entries()) t.insert([k, i]);
    expect(t.lookup(1.0 + 1)).toEqual([[2, 4]]);
    expect(t.lookup({ a: 1 })).toEqual([[{ a: 1 }, 11]]);
    expect(t.lookup([1, 'x'])).toEqual([[[1, 'x'], 10]]);
    expect(t.lookup(new Date(1))).toEqual([[new Date(1), 6]]);
    expect(t.tab2list().map((o) => o[1])).toEqual(keys.map((_k, i) => i));
    expect(t.select([{ head: [_, $(1)], result: $(1) }], { range: { gte: 0, lt: 'b' } })).toEqual([3, 4, 5, 6, 7]);
    expect(t.select((o) => typeof o[0] === 'string', { reverse: true, range: { lte: 'b' } })).toEqual([
      ['b', 8],
      ['a', 7],
    ]);
  });

  it('first/next/last/prev walk an ordered_set in key order, from any key', () => {
    const t = Ets.new('walk', { type: 'ordered_set', writeConcurrency: true });
    for (let i = 0; i < 200; i++) t.insert([i * 2, i]);
    const keys: unknown[] = [];
    for (let k = t.first(); k !== END_OF_TABLE; k = t.next(k)) keys.push(k);
    expect(keys).toEqual(Array.from({ length: 200 }, (_v, i) => i * 2));
    expect(t.next(5)).toBe(6);
    expect(t.prev(5)).toBe(4);
    expect(t.last()).toBe(398);
    expect(t.prev(0)).toBe(END_OF_TABLE);
    expect(t.foldr((o, acc: number[]) => [...acc, o[0] as number], []).slice(0, 3)).toEqual([398, 396, 394]);
  });

  it('match, matchObject, select with guards and templates, selectCount, selectDelete, matchDelete', () => {
    const t = Ets.new('ms', { type: 'set' });
    for (let i = 0; i < 10; i++) t.insert([`k${i}`, i, { even: i % 2 === 0 }]);
    expect(t.match([$(1), 3, _]).flat()).toEqual(['k3']);
    expect(t.matchObject([_, _, { even: true }]).length).toBe(5);
    const spec = [
      { head: [$(1), $(2), _], guards: [['andalso', ['>=', $(2), 7], ['is_integer', $(2)]]], result: [$(2), $(1)] },
    ];
    expect(t.select(spec).sort()).toEqual([
      [7, 'k7'],
      [8, 'k8'],
      [9, 'k9'],
    ]);
    expect(t.select([[[$(1), 4, _], [], [$$]]])).toEqual([['k4']]);
    expect(t.select([{ head: ['k5', _, _] }])).toEqual([['k5', 5, { even: false }]]);
    expect(t.select([{ head: ['k5', _, _], result: $_ }], { limit: 0 })).toEqual([]);
    expect(t.selectCount([{ head: [_, $(1), _], guards: [['<', $(1), 3]], result: true }])).toBe(3);
    expect(t.selectDelete([{ head: [_, $(1), _], guards: [['<', $(1), 3]], result: true }])).toBe(3);
    t.matchDelete([_, _, { even: true }]);
    expect(t.size).toBe(4);
    expect(() => t.select([{ head: [_, _, _], guards: [['nope', 1]] }])).toThrow(BadArgError);
  });

  it("foldr visits a hash table in the reverse of foldl's order", () => {
    const t = Ets.new('folds', { type: 'bag', writeConcurrency: true });
    for (let i = 0; i < 100; i++) t.insert([i % 40, i]);
    const forward = t.foldl((o, acc: unknown[]) => [...acc, o], []);
    expect(t.foldr((o, acc: unknown[]) => [...acc, o], [])).toEqual([...forward].reverse());
    expect(forward).toEqual(t.tab2list());
  });

  it('deleteAllObjects empties every stripe and the table stays usable', () => {
    const t = Ets.new('empty', { writeConcurrency: true });
    for (let i = 0; i < 1000; i++) t.insert([i, 'x'.repeat(i % 50)]);
    t.deleteAllObjects();
    expect(t.size).toBe(0);
    expect(t.first()).toBe(END_OF_TABLE);
    t.insert([1, 1]);
    expect(t.tab2list()).toEqual([[1, 1]]);
    t.check();
  });
});

describe('memory', () => {
  it('grows on demand, reuses freed space, and reports live and free bytes', () => {
    const t = Ets.new('mem', { access: 'public', maxBytes: 8 << 20, initialBytes: 64 << 10 });
    const value = { pid: 1, node: 'node@host', ts: 1.5, pad: 'p'.repeat(40) };
    for (let i = 0; i < 20_000; i++) t.insert([`session:${i}`, value]);
    const full = t.info();
    expect(full.size).toBe(20_000);
    expect(full.capacity).toBeGreaterThan(64 << 10);
    for (let i = 0; i < 20_000; i++) t.delete(`session:${i}`);
    const emptied = t.info();
    expect(emptied.memory).toBeLessThan(full.memory);
    expect(emptied.freeBytes).toBeGreaterThan(full.freeBytes);
    for (let i = 0; i < 20_000; i++) t.insert([`session:${i}`, value]);
    expect(t.info().capacity).toBe(full.capacity); // the freed space was enough
    t.check();
  });

  it('records larger than a chunk class live in their own arena blocks', () => {
    const t = Ets.new('big');
    const big = 'B'.repeat(100_000);
    t.insert(['big', big]);
    t.insert(['big2', big, big]);
    expect(t.lookup('big')).toEqual([['big', big]]);
    t.insert(['big', 'small now']);
    expect(t.lookup('big')).toEqual([['big', 'small now']]);
    t.check();
  });

  it('reaching maxBytes is a TableFullError and nothing stored is damaged', () => {
    const t = Ets.new('limit', { maxBytes: 1 << 20, writeConcurrency: true });
    let n = 0;
    let error: unknown;
    try {
      for (; n < 1_000_000; n++) t.insert([n, 'v'.repeat(100)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TableFullError);
    expect(t.size).toBe(n);
    expect(() => t.insertMany(Array.from({ length: 100 }, (_v, i) => [`many${i}`, 'w'.repeat(200)]))).toThrow(
      TableFullError,
    );
    expect(t.member('many0')).toBe(false);
    for (let i = 0; i < n; i += 97) expect(t.lookup(i)).toEqual([[i, 'v'.repeat(100)]]);
    t.check();
    for (let i = 0; i < 100; i++) t.delete(i);
    t.insert(['fits again', 1]);
    t.check();
  });
});

describe('refusals', () => {
  it('a value msgpack cannot encode is a TypeError and nothing is written', () => {
    const t = Ets.new('enc', { type: 'ordered_set' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [
      ['f', () => 1],
      ['o', { fn() {} }],
      ['s', Symbol('x')],
      ['c', cyclic],
      [() => 1, 1],
    ]) {
      expect(() => t.insert(bad)).toThrow(UnencodableError);
      expect(() => t.insert(bad)).toThrow(TypeError);
    }
    expect(() =>
      t.insertMany([
        ['ok', 1],
        ['bad', () => 1],
      ]),
    ).toThrow(TypeError);
    expect(() => t.updateElement('ok', [2, () => 1])).toThrow(TypeError);
    expect(t.size).toBe(0);
  });

  it('a deleted table refuses everything, in every view', () => {
    const t = Ets.new('gone', { named: true });
    const other = Ets.attach(t.handle());
    Ets.delete('gone');
    expect(() => t.lookup(1)).toThrow(TableDeletedError);
    expect(() => other.insert([1])).toThrow(TableDeletedError);
    expect(Ets.whereis('gone')).toBeUndefined();
  });

  it('options of the wrong type are a BadArgError, and no table is created', () => {
    const before = Ets.all().length;
    for (const initialBytes of ['1024', -1, 1000.5, NaN]) {
      expect(() => Ets.new('opts', { initialBytes: initialBytes as number })).toThrow(BadArgError);
    }
    expect(Ets.all()).toHaveLength(before);
    // Above maxBytes it is capped, as the arena documents.
    expect(Ets.new('capped', { maxBytes: 256 << 10, initialBytes: 4 << 20 }).info().capacity).toBeLessThan(4 << 20);
  });

  it('names are unique among live tables', () => {
    const t = Ets.new('named', { named: true });
    expect(Ets.whereis('named')).toBe(t);
    expect(() => Ets.new('named', { named: true })).toThrow(TableNameTakenError);
    Ets.delete(t);
    expect(Ets.new('named', { named: true })).not.toBe(t);
  });
});

describe('access and ownership with processes', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  /** Runs `fn` as a fresh process (synchronously inside its body) and resolves with its result. */
  function asProcess<T>(fn: (self: Pid) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      spawn((ctx: ProcessContext) => {
        try {
          resolve(fn(ctx.self));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  /** A process that stays alive until told to stop, forwarding its messages to `inbox`. */
  function idle(inbox: unknown[] = []): Pid {
    return spawn(async (ctx: ProcessContext) => {
      for (;;) {
        const m = await ctx.receive();
        if (m === 'stop') return;
        inbox.push(m);
      }
    });
  }

  it('protected: others read, only the owner writes; private: only the owner reads', async () => {
    let prot!: ReturnType<typeof Ets.new>;
    let priv!: ReturnType<typeof Ets.new>;
    const owner = spawn(async (ctx: ProcessContext) => {
      prot = Ets.new('prot');
      priv = Ets.new('priv', { access: 'private' });
      prot.insert(['x', 0]);
      await ctx.receive();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(prot.owner).toEqual(owner);
    await asProcess(() => {
      expect(prot.lookup('x')).toEqual([['x', 0]]);
      expect(() => prot.insert(['x', 1])).toThrow(AccessDeniedError);
      expect(() => priv.lookup('x')).toThrow(AccessDeniedError);
    });
    // Outside any process the caller is the node, which does not own these tables either.
    expect(() => prot.insert(['x', 1])).toThrow(AccessDeniedError);
    expect(() => priv.lookup('x')).toThrow(AccessDeniedError);
    node.send(owner, 'stop');
    await node.awaitExit(owner);
  });

  it('a table is deleted when its owner exits', async () => {
    let table!: ReturnType<typeof Ets.new>;
    const pid = spawn(async (ctx: ProcessContext) => {
      table = Ets.new('owned');
      table.insert(['a', 1]);
      await ctx.receive();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.lookup('a')).toEqual([['a', 1]]);
    node.send(pid, 'bye');
    await node.awaitExit(pid);
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.deleted).toBe(true);
    expect(() => table.lookup('a')).toThrow(TableDeletedError);
  });

  it('the heir inherits the table with an ETS-TRANSFER message', async () => {
    const inbox: unknown[] = [];
    const heir = idle(inbox);
    let table!: ReturnType<typeof Ets.new>;
    const pid = spawn(async (ctx: ProcessContext) => {
      table = Ets.new('inherited', { heir: { pid: heir, data: 'will' } });
      table.insert(['a', 1]);
      await ctx.receive();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.info().heir).toBe(heir);
    node.send(pid, 'bye');
    await node.awaitExit(pid);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(table.deleted).toBe(false);
    expect(table.owner).toEqual(heir);
    expect(inbox).toEqual([{ type: 'ETS-TRANSFER', table, from: pid, heirData: 'will' }]);
    node.send(heir, 'stop');
    await node.awaitExit(heir);
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.deleted).toBe(true);
  });

  it('giveAway hands the table over; only the owner may', async () => {
    const inbox: unknown[] = [];
    const receiver = idle(inbox);
    const table = Ets.new('gift');
    expect(table.owner).toBe('node');
    await asProcess(() => expect(() => table.giveAway(receiver)).toThrow(AccessDeniedError));
    table.giveAway(receiver, { note: 'yours' });
    expect(table.owner).toEqual(receiver);
    expect(inbox).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(inbox).toEqual([{ type: 'ETS-TRANSFER', table, from: 'node', heirData: { note: 'yours' } }]);
    expect(() => table.insert(['x', 1])).toThrow(AccessDeniedError);
    expect(() => table.giveAway(receiver)).toThrow(AccessDeniedError);
  });
});
