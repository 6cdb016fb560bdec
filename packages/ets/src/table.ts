/**
 * A table: the API of ETS over the engine in engine/, seen from one thread.
 * Every method checks that the table is alive, that the caller may read or
 * write it (access and owner), and its arguments, then hands the work to the
 * engine, which works directly on the shared memory from any thread that
 * holds the table (created here, or rebuilt from a handle with `Ets.attach`).
 * As ets.erl sits over erl_db_hash and erl_db_tree, this file holds no
 * engine code: reads are in engine/seqlock-read.ts, scan.ts and
 * ordered-walk.ts, writes in engine/key-writes.ts, batch.ts and publish.ts.
 *
 * It passes 400 lines because it is the whole public surface of a table, one
 * short method per ETS function; every body is a check and a call.
 */
import { currentPid, Pid } from '@erlmcp/otp';
import { type Arena, type ThreadRegistry } from '@erlmcp/shm';
import { edge, step } from './engine/ordered-walk';
import { tableEngine } from './engine/engine';
import { scan } from './engine/scan';
import type { TableCore } from './engine/core';
import type { Batches } from './engine/batch';
import type { KeyWrites } from './engine/key-writes';
import type { SeqlockReader } from './engine/seqlock-read';
import { AccessDeniedError, BadArgError, NoSuchKeyError, TableDeletedError } from './errors';
import { checkTable } from './integrity';
import {
  ACCESSES,
  F_NAMED,
  F_READ_CONCURRENCY,
  F_WRITE_CONCURRENCY,
  H_ACCESS,
  H_DELETED,
  H_FLAGS,
  H_MAX_BYTES,
  H_OWNER_ID,
  H_OWNER_NODE,
  H_OWNER_SEQ,
  H_TABLE_ID,
  TYPES,
  type Access,
  type TableType,
} from './layout';
import { bindingList, CompiledSpec, matchPattern, NO_MATCH, type MatchSpec, type Pattern } from './match-spec';
import { compareTerms } from './terms';
import { applyCounter, applyElements, checkPosition, counterOps, elementUpdates } from './updates';
import type { EncodedObject } from './tuple-codec';
import type { CounterOp, HeirSpec, Owner, SelectOptions, TableHandle, TableInfo, Tuple } from './types';
import { assertEncodable } from './value-codec';

export { END_OF_TABLE, type EndOfTable } from './engine/ordered-walk';

const PUBLIC = 0;
const PRIVATE = 2;

/** Hooks the Ets module installs for ownership (heir, giveAway). */
export interface TableHooks {
  giveAway(table: Table<Tuple>, pid: Pid, giftData: unknown): void;
  setHeir(table: Table<Tuple>, heir: HeirSpec | 'none'): void;
  heir(table: Table<Tuple>): Pid | 'none';
}

export class Table<T extends Tuple = Tuple> {
  readonly id: number;
  readonly name: string;
  readonly type: TableType;
  readonly keyPos: number;
  readonly access: Access;
  readonly named: boolean;
  readonly readConcurrency: boolean;
  readonly writeConcurrency: boolean;
  /** Keys whose objects this thread keeps decoded (the readCache option; 0 = off). */
  readonly readCache: number;

  private readonly ctl: Int32Array;
  private readonly bag: boolean;
  private readonly ordered: boolean;
  private readonly core: TableCore<T>;
  private readonly reader: SeqlockReader<T>;
  private readonly keyWrites: KeyWrites<T>;
  private readonly batches: Batches<T>;

  /** @internal Use `Ets.new` or `Ets.attach`. */
  constructor(
    control: SharedArrayBuffer,
    readonly arena: Arena,
    name: string,
    private readonly hooks: TableHooks,
    registry: ThreadRegistry | undefined,
  ) {
    const engine = tableEngine<T>(control, arena, name, registry);
    this.core = engine.core;
    this.reader = engine.reader;
    this.keyWrites = engine.keyWrites;
    this.batches = engine.batches;
    const ctl = (this.ctl = this.core.ctl);
    this.id = ctl[H_TABLE_ID]!;
    this.name = name;
    this.type = TYPES[this.core.typeCode]!;
    this.bag = this.core.bag;
    this.ordered = this.core.ordered;
    this.keyPos = this.core.keyPos;
    this.access = ACCESSES[ctl[H_ACCESS]!]!;
    const flags = ctl[H_FLAGS]!;
    this.named = (flags & F_NAMED) !== 0;
    this.readConcurrency = (flags & F_READ_CONCURRENCY) !== 0;
    this.writeConcurrency = (flags & F_WRITE_CONCURRENCY) !== 0;
    this.readCache = this.reader.readCache;
  }

  /** A plain object to post to a worker thread; `Ets.attach(handle)` there gives the same table. */
  handle(): TableHandle {
    return {
      kind: 'ets-table',
      name: this.name,
      control: this.ctl.buffer as SharedArrayBuffer,
      arena: this.arena.handle(),
    };
  }

  toString(): string {
    return `#Ets<${this.name}.${this.id}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** True once the table has been deleted (by anyone, in any thread). */
  get deleted(): boolean {
    return Atomics.load(this.ctl, H_DELETED) !== 0;
  }

  // ---- ownership ---------------------------------------------------------------

  /** The owning process, or 'node' for a table created outside any process. */
  get owner(): Owner {
    for (;;) {
      const seq = Atomics.load(this.ctl, H_OWNER_SEQ);
      const node = Atomics.load(this.ctl, H_OWNER_NODE);
      const id = Atomics.load(this.ctl, H_OWNER_ID);
      if ((seq & 1) === 0 && Atomics.load(this.ctl, H_OWNER_SEQ) === seq) return id < 0 ? 'node' : new Pid(node, id);
    }
  }

  /** @internal Records a new owner (the Ets module's ownership code calls this). */
  setOwner(owner: Owner): void {
    Atomics.add(this.ctl, H_OWNER_SEQ, 1);
    Atomics.store(this.ctl, H_OWNER_NODE, owner === 'node' ? 0 : owner.node);
    Atomics.store(this.ctl, H_OWNER_ID, owner === 'node' ? -1 : owner.id);
    Atomics.add(this.ctl, H_OWNER_SEQ, 1);
  }

  /** @internal Marks the table deleted for every thread. */
  markDeleted(): boolean {
    return Atomics.exchange(this.ctl, H_DELETED, 1) === 0;
  }

  /** True when the caller (`currentPid()`, or the node outside any process) owns the table. */
  callerIsOwner(): boolean {
    const owner = this.owner;
    const caller = currentPid();
    if (owner === 'node') return caller === undefined;
    return caller !== undefined && caller.node === owner.node && caller.id === owner.id;
  }

  /** Hands the table to `pid`, which receives `{ type: 'ETS-TRANSFER', table, from, heirData: giftData }`. Owner only. */
  giveAway(pid: Pid, giftData?: unknown): true {
    this.checkAlive('giveAway');
    if (!this.callerIsOwner())
      throw new AccessDeniedError(this.name, 'giveAway', 'only the owner can give the table away');
    this.hooks.giveAway(this as unknown as Table<Tuple>, pid, giftData);
    return true;
  }

  /** Sets (or clears, with 'none') the process that inherits the table when its owner exits. Owner only. */
  setHeir(heir: HeirSpec | 'none'): true {
    this.checkAlive('setHeir');
    if (!this.callerIsOwner()) throw new AccessDeniedError(this.name, 'setHeir', 'only the owner can set the heir');
    this.hooks.setHeir(this as unknown as Table<Tuple>, heir);
    return true;
  }

  // ---- reads -------------------------------------------------------------------

  /** The objects with this key (at most one for set and ordered_set). */
  lookup(key: unknown): T[] {
    this.checkRead('lookup');
    return this.reader.lookup(key);
  }

  /** Element `pos` (1-based) of the object with this key; for bags, of each such object. Throws NoSuchKeyError without a default. */
  lookupElement(key: unknown, pos: number, ...fallback: [] | [defaultValue: unknown]): unknown {
    const objects = this.lookup(key);
    if (objects.length === 0) {
      if (fallback.length > 0) return fallback[0];
      throw new NoSuchKeyError(this.name, 'lookupElement');
    }
    checkPosition(pos);
    for (const o of objects)
      if (pos > o.length)
        throw new BadArgError(`lookupElement: position ${pos} is past the object's ${o.length} elements`);
    return this.bag ? objects.map((o) => o[pos - 1]) : objects[0]![pos - 1];
  }

  member(key: unknown): boolean {
    this.checkRead('member');
    return this.reader.member(key);
  }

  /** Every object. Per stripe a consistent snapshot; ordered_set in key order. */
  tab2list(): T[] {
    this.checkRead('tab2list');
    const out: T[] = [];
    scan(this.core, {}, (o) => {
      out.push(o);
    });
    return out;
  }

  /** Folds over the objects (ordered_set: ascending key order). */
  foldl<A>(fn: (object: T, acc: A) => A, acc: A): A {
    this.checkRead('foldl');
    scan(this.core, {}, (o) => {
      acc = fn(o, acc);
    });
    return acc;
  }

  /** Folds over the objects in the opposite order to `foldl`. */
  foldr<A>(fn: (object: T, acc: A) => A, acc: A): A {
    this.checkRead('foldr');
    scan(this.core, { reverse: true }, (o) => {
      acc = fn(o, acc);
    });
    return acc;
  }

  /**
   * With a match spec: each object's first matching clause result. With a
   * predicate: the objects it accepts. Options limit the count and, for
   * ordered_set, restrict the key range and direction.
   */
  select<R = unknown>(spec: MatchSpec, options?: SelectOptions): R[];
  select(predicate: (object: T) => boolean, options?: SelectOptions): T[];
  select(specOrPredicate: MatchSpec | ((object: T) => boolean), options: SelectOptions = {}): unknown[] {
    this.checkRead('select');
    const test = compile(specOrPredicate);
    const out: unknown[] = [];
    const limit = options.limit ?? Infinity;
    if (limit !== Infinity && !(Number.isSafeInteger(limit) && limit >= 0))
      throw new BadArgError(`select: limit must be a non-negative integer, got ${String(limit)}`);
    if (limit === 0) return out;
    const keys =
      typeof specOrPredicate === 'function' || options.range !== undefined
        ? null
        : (test.spec?.boundKeys(this.keyPos) ?? null);
    const visit = (o: T): boolean | void => {
      const r = test.run(o);
      if (r !== NO_MATCH) out.push(r);
      return out.length < limit;
    };
    if (keys !== null) {
      for (const key of distinctKeys(keys, options.reverse === true))
        for (const o of this.reader.lookup(key)) if (visit(o) === false) return out;
      return out;
    }
    scan(this.core, options, visit);
    return out;
  }

  /** How many objects the spec's result is `true` for (or the predicate accepts). */
  selectCount(specOrPredicate: MatchSpec | ((object: T) => boolean)): number {
    this.checkRead('selectCount');
    const accepts = acceptor(specOrPredicate);
    let n = 0;
    scan(this.core, {}, (o) => {
      if (accepts(o)) n++;
    });
    return n;
  }

  /** ets:match: for each object matching `pattern`, the list of its bindings ($1, $2, ...). */
  match(pattern: Pattern): unknown[][] {
    this.checkRead('match');
    const out: unknown[][] = [];
    scan(this.core, {}, (o) => {
      const bindings: unknown[] = [];
      if (matchPattern(pattern, o, bindings)) out.push(bindingList(bindings));
    });
    return out;
  }

  /** ets:match_object: the objects matching `pattern`. */
  matchObject(pattern: Pattern): T[] {
    this.checkRead('matchObject');
    const out: T[] = [];
    scan(this.core, {}, (o) => {
      if (matchPattern(pattern, o, [])) out.push(o);
    });
    return out;
  }

  /** The first key in table order, or END_OF_TABLE. ordered_set: the smallest key. */
  first(): unknown {
    this.checkRead('first');
    return edge(this.core, false);
  }

  /** The last key (ordered_set: the largest); for other types the same as `first`, as in ETS. */
  last(): unknown {
    this.checkRead('last');
    return edge(this.core, this.ordered);
  }

  /** The key after `key` in table order, or END_OF_TABLE. ordered_set: `key` need not be present. */
  next(key: unknown): unknown {
    this.checkRead('next');
    return step(this.core, key, false);
  }

  /** The key before `key` (ordered_set); for other types the same as `next`, as in ETS. */
  prev(key: unknown): unknown {
    this.checkRead('prev');
    return step(this.core, key, this.ordered);
  }

  info(): TableInfo {
    this.checkAlive('info');
    const stats = this.arena.stats();
    // Another thread may have grown the arena: the stripes' chunk words below are read through this thread's views.
    if (this.core.mem.length < stats.capacity) this.core.mem.refresh();
    let size = 0;
    let slack = 0;
    let repairs = 0;
    for (const s of this.core.stripes) {
      size += s.objects;
      slack += s.heap.slackBytes;
      repairs += s.repairs;
    }
    const control = this.ctl.byteLength;
    return {
      id: this.id,
      name: this.name,
      named: this.named,
      type: this.type,
      keyPos: this.keyPos,
      access: this.access,
      owner: this.owner,
      heir: this.hooks.heir(this as unknown as Table<Tuple>),
      readConcurrency: this.readConcurrency,
      writeConcurrency: this.writeConcurrency,
      readCache: this.reader.readCache,
      stripes: this.core.stripes.length,
      size,
      memory: control + stats.metadataBytes + stats.liveBytes - slack,
      freeBytes: stats.freeBytes + slack,
      capacity: control + stats.capacity,
      maxBytes: this.ctl[H_MAX_BYTES]!,
      repairs,
    };
  }

  /**
   * Checks every stripe's structures against each other and the arena's heap,
   * and that every live arena block belongs to a stripe (nothing leaked).
   * Holds every stripe meanwhile (O(table); for tests and diagnostics).
   * Throws IntegrityError.
   */
  check(): void {
    this.checkAlive('check');
    checkTable(this.core.stripes, this.arena, this.bag);
  }

  /** Number of objects (sum over stripes; exact when no write is in flight). */
  get size(): number {
    this.checkAlive('size');
    let size = 0;
    for (const s of this.core.stripes) size += s.objects;
    return size;
  }

  // ---- writes ------------------------------------------------------------------

  /** Inserts one object, replacing an object with the same key in set and ordered_set. */
  insert(object: T): true {
    this.checkWrite('insert');
    this.keyWrites.insert(object, false, 'insert');
    return true;
  }

  /** Inserts every object, atomically: other threads see all of them or none. */
  insertMany(objects: readonly T[]): true {
    this.checkWrite('insertMany');
    this.batches.insert(this.encodeAll(objects, 'insertMany'), objects, false);
    return true;
  }

  /** Inserts the object unless its key is present. Returns false (and changes nothing) if it is. */
  insertNew(object: T): boolean {
    this.checkWrite('insertNew');
    return this.keyWrites.insert(object, true, 'insertNew');
  }

  /**
   * Inserts all objects if none of their keys is in the table (atomically);
   * otherwise inserts nothing and returns false. As in ETS, only the table is
   * checked: a key twice in the list is inserted like `insertMany` would.
   */
  insertNewMany(objects: readonly T[]): boolean {
    this.checkWrite('insertNewMany');
    return this.batches.insert(this.encodeAll(objects, 'insertNewMany'), objects, true);
  }

  /** Deletes every object with this key. */
  delete(key: unknown): true {
    this.checkWrite('delete');
    this.keyWrites.delete(key);
    return true;
  }

  /** Deletes this exact object (for bags, every copy of it). */
  deleteObject(object: T): true {
    this.checkWrite('deleteObject');
    this.keyWrites.deleteObject(object);
    return true;
  }

  /** Empties the table, atomically (one transaction over every stripe). */
  deleteAllObjects(): true {
    this.checkWrite('deleteAllObjects');
    this.batches.deleteAll();
    return true;
  }

  /**
   * Compare-and-swap on one key, as ETS's `select_replace` is used for it: if
   * the table holds exactly `expected` (`termEquals`) under its key, replaces
   * it with `replacement` (same key) or, with no replacement, deletes it, in
   * one atomic step (one store publishes it, so a crash leaves either object);
   * otherwise changes nothing. Returns whether it did. set and ordered_set only.
   */
  replaceObject(expected: T, replacement?: T): boolean {
    this.checkWrite('replaceObject');
    if (this.bag) throw new BadArgError('replaceObject: not allowed on bag tables');
    return this.keyWrites.replaceObject(expected, replacement);
  }

  /** Removes and returns the objects with this key. */
  take(key: unknown): T[] {
    this.checkWrite('take');
    return this.keyWrites.take(key);
  }

  /**
   * Atomically adds to integer elements of the object with this key and
   * returns the new value (one op) or values (a list of ops). A number is an
   * increment of the element after the key (position keyPos + 1). `{ pos, incr, threshold, setValue }`
   * resets to `setValue` past `threshold` (above it for incr >= 0, below it for
   * incr < 0). Without the key, `defaultObject` (its key replaced) is inserted
   * first; without a default, NoSuchKeyError. set and ordered_set only.
   */
  updateCounter(key: unknown, op: number | CounterOp, defaultObject?: T): number;
  updateCounter(key: unknown, ops: readonly CounterOp[], defaultObject?: T): number[];
  updateCounter(key: unknown, op: number | CounterOp | readonly CounterOp[], defaultObject?: T): number | number[] {
    this.checkWrite('updateCounter');
    if (this.bag) throw new BadArgError('updateCounter: not allowed on bag tables');
    const ops = counterOps(op, this.keyPos);
    const results = this.keyWrites.modify(key, this.fallback(key, defaultObject, 'updateCounter'), (object) =>
      applyCounter(object, ops),
    );
    if (results === null) throw new NoSuchKeyError(this.name, 'updateCounter');
    return typeof op === 'number' || !Array.isArray(op) ? results[0]! : results;
  }

  /**
   * Replaces elements of the object with this key: `[pos, value]` or a list
   * of them. Returns false if the key is absent and no default is given.
   * set and ordered_set only.
   */
  updateElement(
    key: unknown,
    update: readonly [number, unknown] | ReadonlyArray<readonly [number, unknown]>,
    defaultObject?: T,
  ): boolean {
    this.checkWrite('updateElement');
    if (this.bag) throw new BadArgError('updateElement: not allowed on bag tables');
    const updates = elementUpdates(update, this.keyPos);
    for (const [pos, value] of updates) assertEncodable(value, `updateElement[${pos}]`);
    const done = this.keyWrites.modify(key, this.fallback(key, defaultObject, 'updateElement'), (object) => {
      applyElements(object, updates);
      return [];
    });
    return done !== null;
  }

  /** Deletes the objects the spec's result is `true` for (or the predicate accepts). Returns how many. */
  selectDelete(specOrPredicate: MatchSpec | ((object: T) => boolean)): number {
    this.checkWrite('selectDelete');
    return this.keyWrites.deleteWhere(acceptor(specOrPredicate));
  }

  /** Deletes the objects matching `pattern`. */
  matchDelete(pattern: Pattern): true {
    this.checkWrite('matchDelete');
    this.keyWrites.deleteWhere((o) => matchPattern(pattern, o, []));
    return true;
  }

  /** @internal Part of ETS's delete/1; use `Ets.delete(table)`. */
  checkDeletable(): void {
    this.checkWrite('delete');
  }

  // ---- access and argument checks ------------------------------------------------

  private checkAlive(op: string): void {
    if (Atomics.load(this.ctl, H_DELETED) !== 0) throw new TableDeletedError(`${this.name} (${op})`);
  }

  private checkRead(op: string): void {
    this.checkAlive(op);
    if (this.ctl[H_ACCESS] === PRIVATE && !this.callerIsOwner()) {
      throw new AccessDeniedError(this.name, op, 'the table is private to its owner');
    }
  }

  private checkWrite(op: string): void {
    this.checkAlive(op);
    if (this.ctl[H_ACCESS] !== PUBLIC && !this.callerIsOwner()) {
      throw new AccessDeniedError(this.name, op, `the table is ${this.access}: only its owner writes`);
    }
  }

  private encodeAll(objects: readonly T[], what: string): EncodedObject[] {
    if (!Array.isArray(objects)) throw new BadArgError(`${what}: expected a list of tuples`);
    return this.batches.encodeAll(objects, what);
  }

  /** updateCounter/updateElement's default object, checked, copied, and given `key`. */
  private fallback(key: unknown, defaultObject: T | undefined, what: string): T | undefined {
    if (defaultObject === undefined) return undefined;
    if (!Array.isArray(defaultObject) || defaultObject.length < this.keyPos)
      throw new BadArgError(`${what}: the default must be a tuple with at least keyPos elements`);
    const fallback = defaultObject.slice() as T;
    fallback[this.keyPos - 1] = key;
    return fallback;
  }
}

/** select_delete/select_count semantics: a spec accepts an object when its result is `true`. */
function acceptor<T>(specOrPredicate: MatchSpec | ((object: T) => boolean)): (object: T) => boolean {
  if (typeof specOrPredicate === 'function') return (o) => specOrPredicate(o) === true;
  const spec = new CompiledSpec(specOrPredicate);
  return (o) => spec.run(o) === true;
}

function compile<T>(specOrPredicate: MatchSpec | ((object: T) => boolean)): {
  run: (o: T) => unknown;
  spec: CompiledSpec | null;
} {
  if (typeof specOrPredicate === 'function') {
    return { run: (o) => (specOrPredicate(o) ? o : NO_MATCH), spec: null };
  }
  const spec = new CompiledSpec(specOrPredicate);
  return { run: (o) => spec.run(o), spec };
}

/**
 * The keys a spec's heads fix, each once (two clauses may fix equal keys), in
 * key order (descending with `reverse`): the order a scan of an ordered_set
 * gives, so the lookups return what the scan would.
 */
function distinctKeys(keys: readonly unknown[], reverse: boolean): readonly unknown[] {
  if (keys.length === 1) return keys;
  const sorted = [...keys].sort(compareTerms);
  const distinct = sorted.filter((k, i) => i === 0 || compareTerms(sorted[i - 1], k) !== 0);
  return reverse ? distinct.reverse() : distinct;
}
