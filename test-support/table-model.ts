/**
 * The model of an ETS table's semantics, shared by the tests of every table
 * that promises them (@erlmcp/ets, @erlmcp/ets-optimizer): random operation
 * sequences on a table must give the results a plain reference model (arrays
 * and a Map) gives. A test supplies the table through `ModelTable`, so this
 * file depends on no package.
 */
import fc from 'fast-check';

export type TableType = 'set' | 'ordered_set' | 'bag' | 'duplicate_bag';

/** What the model drives: the operations of an ETS table it checks. */
export interface ModelTable {
  /** The value `first`/`next`/`last`/`prev` return past the end. */
  readonly endOfTable: unknown;
  readonly size: number;
  insert(object: unknown[]): unknown;
  insertMany(objects: unknown[][]): unknown;
  insertNew(object: unknown[]): boolean;
  delete(key: unknown): unknown;
  deleteObject(object: unknown[]): unknown;
  take(key: unknown): unknown[][];
  lookup(key: unknown): unknown[][];
  member(key: unknown): boolean;
  updateCounter(key: unknown, incr: number, defaultObject?: unknown[]): number;
  updateElement(key: unknown, update: readonly [number, unknown]): boolean;
  selectDelete(predicate: (object: unknown[]) => boolean): number;
  deleteAllObjects(): unknown;
  first(): unknown;
  next(key: unknown): unknown;
  last(): unknown;
  prev(key: unknown): unknown;
  tab2list(): unknown[][];
}

export type Obj = unknown[];

// Keys from a small domain so that operations collide often.
export const keyArb = fc.oneof(
  fc.integer({ min: -3, max: 6 }),
  fc.constantFrom('a', 'b', 'c', '', 'é', 'a\u0000'),
  fc.constant(null),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('x', 'y')),
  fc.record({ x: fc.integer({ min: 0, max: 2 }), y: fc.constantFrom('p', 'q') }),
  fc.constantFrom(1.5, -0.25),
);
export const valueArb = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.string({ maxLength: 5 }),
  fc.record({ pid: fc.integer({ min: 0, max: 9 }), node: fc.constantFrom('n1', 'n2') }),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  fc.constant(null),
);
export const objArb = fc.tuple(keyArb, valueArb);
export const counterObjArb = fc.tuple(keyArb, fc.integer({ min: -100, max: 100 }));

export type Op =
  | { op: 'insert'; obj: Obj }
  | { op: 'insertMany'; objs: Obj[] }
  | { op: 'insertNew'; obj: Obj }
  | { op: 'delete'; key: unknown }
  | { op: 'deleteObject'; obj: Obj }
  | { op: 'take'; key: unknown }
  | { op: 'lookup'; key: unknown }
  | { op: 'member'; key: unknown }
  | { op: 'updateCounter'; key: unknown; incr: number }
  | { op: 'updateElement'; key: unknown; value: unknown }
  | { op: 'selectDelete'; max: number }
  | { op: 'deleteAll' }
  | { op: 'walk' };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: objArb.map((obj) => ({ op: 'insert' as const, obj })) },
  { weight: 2, arbitrary: fc.array(objArb, { maxLength: 5 }).map((objs) => ({ op: 'insertMany' as const, objs })) },
  { weight: 2, arbitrary: objArb.map((obj) => ({ op: 'insertNew' as const, obj })) },
  { weight: 2, arbitrary: keyArb.map((key) => ({ op: 'delete' as const, key })) },
  { weight: 2, arbitrary: objArb.map((obj) => ({ op: 'deleteObject' as const, obj })) },
  { weight: 1, arbitrary: keyArb.map((key) => ({ op: 'take' as const, key })) },
  { weight: 4, arbitrary: keyArb.map((key) => ({ op: 'lookup' as const, key })) },
  { weight: 2, arbitrary: keyArb.map((key) => ({ op: 'member' as const, key })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(keyArb, fc.integer({ min: -3, max: 3 }))
      .map(([key, incr]) => ({ op: 'updateCounter' as const, key, incr })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(keyArb, valueArb).map(([key, value]) => ({ op: 'updateElement' as const, key, value })),
  },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }).map((max) => ({ op: 'selectDelete' as const, max })) },
  { weight: 1, arbitrary: fc.constant({ op: 'deleteAll' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'walk' as const }) },
);

/** Key identity for the model: JSON with sorted properties and -0 as 0. */
export function id(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'number' && Object.is(x, -0)) return 0;
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      const o = x as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return x;
  });
}

/** The documented key order on this domain: null < numbers < strings < arrays < objects. */
export function compareKeys(a: unknown, b: unknown): number {
  const rank = (v: unknown): number =>
    v === null ? 0 : typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : Array.isArray(v) ? 3 : 4;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return (a as number) - (b as number);
  if (ra === 2) {
    const ca = [...Buffer.from(a as string, 'utf8')];
    const cb = [...Buffer.from(b as string, 'utf8')];
    for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
    return ca.length - cb.length;
  }
  if (ra === 3) {
    const xa = a as unknown[];
    const xb = b as unknown[];
    for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
      const d = compareKeys(xa[i], xb[i]);
      if (d !== 0) return d;
    }
    return xa.length - xb.length;
  }
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  const ka = Object.keys(oa).sort();
  const kb = Object.keys(ob).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const d = compareKeys(ka[i], kb[i]) || compareKeys(oa[ka[i]!], ob[kb[i]!]);
    if (d !== 0) return d;
  }
  return ka.length - kb.length;
}

export class Model {
  readonly entries = new Map<string, { key: unknown; objs: Obj[] }>();
  constructor(readonly type: TableType) {}

  get bag(): boolean {
    return this.type === 'bag' || this.type === 'duplicate_bag';
  }

  lookup(key: unknown): Obj[] {
    return this.entries.get(id(key))?.objs ?? [];
  }

  insert(obj: Obj): void {
    const k = id(obj[0]);
    const e = this.entries.get(k);
    if (e === undefined) this.entries.set(k, { key: obj[0], objs: [obj] });
    else if (!this.bag) this.entries.set(k, { key: obj[0], objs: [obj] });
    else if (this.type === 'duplicate_bag' || !e.objs.some((o) => id(o) === id(obj))) e.objs.push(obj);
  }

  delete(key: unknown): void {
    this.entries.delete(id(key));
  }

  deleteObject(obj: Obj): void {
    const k = id(obj[0]);
    const e = this.entries.get(k);
    if (e === undefined) return;
    e.objs = e.objs.filter((o) => id(o) !== id(obj));
    if (e.objs.length === 0) this.entries.delete(k);
  }

  all(): Obj[] {
    return [...this.entries.values()].flatMap((e) => e.objs);
  }

  sortedKeys(): unknown[] {
    return [...this.entries.values()].map((e) => e.key).sort(compareKeys);
  }
}

export function sortForCompare(objs: Obj[]): string[] {
  return objs.map(id).sort();
}

export function run(table: ModelTable, model: Model, op: Op): void {
  const setLike = !model.bag;
  switch (op.op) {
    case 'insert':
      table.insert(op.obj);
      model.insert(op.obj);
      break;
    case 'insertMany':
      table.insertMany(op.objs);
      for (const o of op.objs) model.insert(o);
      break;
    case 'insertNew': {
      const expected = model.lookup(op.obj[0]).length === 0;
      expect(table.insertNew(op.obj)).toBe(expected);
      if (expected) model.insert(op.obj);
      break;
    }
    case 'delete':
      table.delete(op.key);
      model.delete(op.key);
      break;
    case 'deleteObject':
      table.deleteObject(op.obj);
      model.deleteObject(op.obj);
      break;
    case 'take':
      expect(table.take(op.key)).toEqual(model.lookup(op.key));
      model.delete(op.key);
      break;
    case 'lookup':
      expect(table.lookup(op.key)).toEqual(model.lookup(op.key));
      break;
    case 'member':
      expect(table.member(op.key)).toBe(model.lookup(op.key).length > 0);
      break;
    case 'updateCounter': {
      if (!setLike) {
        expect(() => table.updateCounter(op.key, op.incr)).toThrow();
        break;
      }
      const current = model.lookup(op.key)[0];
      if (current === undefined) {
        expect(table.updateCounter(op.key, op.incr, [op.key, 10])).toBe(10 + op.incr);
        model.insert([op.key, 10 + op.incr]);
      } else if (Number.isSafeInteger(current[1])) {
        expect(table.updateCounter(op.key, op.incr)).toBe((current[1] as number) + op.incr);
        model.insert([current[0], (current[1] as number) + op.incr]);
      } else {
        expect(() => table.updateCounter(op.key, op.incr)).toThrow(/not an integer/);
      }
      break;
    }
    case 'updateElement': {
      if (!setLike) break;
      const current = model.lookup(op.key)[0];
      expect(table.updateElement(op.key, [2, op.value])).toBe(current !== undefined);
      if (current !== undefined) model.insert([current[0], op.value]);
      break;
    }
    case 'selectDelete': {
      const doomed = (o: Obj): boolean => typeof o[1] === 'number' && o[1] > op.max;
      const expected = model.all().filter(doomed).length;
      expect(table.selectDelete(doomed)).toBe(expected);
      for (const o of model.all().filter(doomed)) model.deleteObject(o);
      break;
    }
    case 'deleteAll':
      table.deleteAllObjects();
      model.entries.clear();
      break;
    case 'walk': {
      const keys: unknown[] = [];
      for (let k = table.first(); k !== table.endOfTable && keys.length < 1000; k = table.next(k)) keys.push(k);
      if (model.type === 'ordered_set') {
        expect(keys).toEqual(model.sortedKeys());
        const back: unknown[] = [];
        for (let k = table.last(); k !== table.endOfTable && back.length < 1000; k = table.prev(k)) back.push(k);
        expect(back).toEqual(model.sortedKeys().reverse());
      } else {
        expect(keys.map(id).sort()).toEqual(model.sortedKeys().map(id).sort());
      }
      break;
    }
  }
  expect(table.size).toBe(model.all().length);
}

/** `table` seen as a `ModelTable`: its own methods, bound, and `endOfTable`. */
export function modelView(table: object, endOfTable: unknown): ModelTable {
  return new Proxy(table, {
    get(target, prop) {
      if (prop === 'endOfTable') return endOfTable;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as ModelTable;
}

/** Runs `ops` on `table` and the model, then compares the whole contents (and, for ordered_set, the key order). */
export function runSequence(table: ModelTable, type: TableType, ops: readonly Op[]): Model {
  const model = new Model(type);
  for (const op of ops) run(table, model, op);
  checkContents(table, model);
  return model;
}

/** The table holds exactly the model's objects (ordered_set: in key order). */
export function checkContents(table: ModelTable, model: Model): void {
  expect(sortForCompare(table.tab2list())).toEqual(sortForCompare(model.all()));
  if (model.type === 'ordered_set') expect(table.tab2list().map((o) => o[0])).toEqual(model.sortedKeys());
}
