/**
 * A table: its control buffer and arena, seen from one thread. Every method
 * works directly on the shared memory, from any thread that holds the table
 * (created here, or rebuilt from a handle with `Ets.attach`).
 */
import { currentPid, Pid } from '@erlmcp/otp';
import { ArenaCorruptedError, isCacheKey, VersionedCache, type Arena, type ThreadRegistry } from '@erlmcp/shm';
import { canDeepFreeze, deepFreeze } from './deep-freeze';
import { AccessDeniedError, BadArgError, IntegrityError, NoSuchKeyError, TableDeletedError, TableFullError } from './errors';
import { ANOMALY } from './hash-index';
import { checkStripe } from './integrity';
import { skipKey } from './key-codec';
import {
  ACCESSES,
  BIG,
  F_NAMED,
  F_READ_CONCURRENCY,
  F_WRITE_CONCURRENCY,
  FLAG_MASK,
  H_ACCESS,
  H_CACHE_EPOCH,
  H_DELETED,
  H_FLAGS,
  H_KEYPOS,
  H_MAX_BYTES,
  H_OWNER_ID,
  H_OWNER_NODE,
  H_OWNER_SEQ,
  H_READ_CACHE,
  H_STRIPES,
  H_TABLE_ID,
  H_TYPE,
  R_HASH,
  R_LINK,
  RECORD_HEADER,
  TUPLE,
  TYPES,
  stripeBase,
  type Access,
  type TableType,
} from './layout';
import { bindingList, CompiledSpec, matchPattern, NO_MATCH, type MatchSpec, type Pattern } from './match-spec';
import { TableMemory } from './memory';
import { Snapshot } from './snapshot';
import type { Replayer } from './repair';
import { Stripe } from './stripe';
import { compareTerms, termEquals } from './terms';
import { Transaction } from './transaction';
import { applyCounter, applyElements, checkPosition, counterOps, elementUpdates } from './updates';
import { TupleCodec, type EncodedObject } from './tuple-codec';
import type { CounterOp, HeirSpec, Owner, SelectOptions, TableHandle, TableInfo, Tuple } from './types';
import { assertEncodable, packValue } from './value-codec';
import { hashKey } from './key-hash';

/** What first/next/last/prev return past the last key ('$end_of_table' in ETS). */
export const END_OF_TABLE: unique symbol = Symbol.for('ets.$end_of_table');
export type EndOfTable = typeof END_OF_TABLE;

// Type codes: 0 is set, the default, which no test here needs by name.
const ORDERED_SET = 1;
const BAG = 2;
const PUBLIC = 0;
const PRIVATE = 2;
/** Optimistic read attempts before a reader takes the stripe's mutex (which also recovers it from a dead writer). */
const OPTIMISTIC_ATTEMPTS = 64;

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
  private readonly mem: TableMemory;
  private readonly stripes: Stripe[];
  private readonly shift: number;
  private readonly typeCode: number;
  private readonly bag: boolean;
  private readonly kp: number;
  private readonly codec: TupleCodec;
  /** This thread's decoded objects by key (a set's object, a bag's list), each valid while its stripe's change count is unchanged (null: readCache off). */
  private readonly cache: VersionedCache<T | T[]> | null;

  /** @internal Use `Ets.new` or `Ets.attach`. */
  constructor(
    control: SharedArrayBuffer,
    readonly arena: Arena,
    name: string,
    private readonly hooks: TableHooks,
    registry: ThreadRegistry | undefined,
  ) {
    this.ctl = new Int32Array(control);
    const ctl = this.ctl;
    this.id = ctl[H_TABLE_ID]!;
    this.name = name;
    this.typeCode = ctl[H_TYPE]!;
    this.type = TYPES[this.typeCode]!;
    this.bag = this.typeCode >= BAG;
    this.keyPos = ctl[H_KEYPOS]!;
    this.kp = this.keyPos - 1;
    this.access = ACCESSES[ctl[H_ACCESS]!]!;
    const flags = ctl[H_FLAGS]!;
    this.named = (flags & F_NAMED) !== 0;
    this.readConcurrency = (flags & F_READ_CONCURRENCY) !== 0;
    this.writeConcurrency = (flags & F_WRITE_CONCURRENCY) !== 0;
    this.mem = new TableMemory(arena);
    const n = ctl[H_STRIPES]!;
    this.shift = n === 1 ? 0 : 32 - Math.log2(n);
    // What a repair replays a dead writer's committed transaction with.
    const replayer: Replayer = {
      publishPlanned: (stripe, rec, view, index) => this.publishPlanned(stripe, rec, view, index),
      clearStripe: (stripe) => this.clearStripe(stripe),
    };
    this.stripes = Array.from({ length: n }, (_, s) => new Stripe(ctl, stripeBase(s), this.mem, this.typeCode === ORDERED_SET, this.bag, registry, replayer));
    this.codec = new TupleCodec(this.keyPos);
    this.readCache = ctl[H_READ_CACHE]!;
    this.cache =
      this.readCache === 0 ? null : new VersionedCache(this.readCache, { versionWords: this.stripes.map((s) => s.changesIndex), epochWord: H_CACHE_EPOCH });
  }

  /** A plain object to post to a worker thread; `Ets.attach(handle)` there gives the same table. */
  handle(): TableHandle {
    return { kind: 'ets-table', name: this.name, control: this.ctl.buffer as SharedArrayBuffer, arena: this.arena.handle() };
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
    if (!this.callerIsOwner()) throw new AccessDeniedError(this.name, 'giveAway', 'only the owner can give the table away');
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
    const cache = this.cache;
    if (cache !== null && isCacheKey(key)) {
      const at = cache.fresh(key, this.ctl);
      if (at >= 0) return this.bag ? (cache.valueAt(at) as T[]).slice() : [cache.valueAt(at) as T];
    }
    const codec = this.codec;
    codec.encodeKey(key);
    const stripe = this.stripeOf(codec.h);
    const ctl = this.ctl;
    const seqIndex = stripe.seqIndex;
    // The cache stamp (epoch, change count) is loaded before the sequence, so it is never newer than the objects read.
    const epoch = cache === null ? 0 : Atomics.load(ctl, H_CACHE_EPOCH);
    if (this.readConcurrency) {
      for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
        const changes = cache === null ? 0 : Atomics.load(ctl, stripe.changesIndex);
        const seq = Atomics.load(ctl, seqIndex);
        if ((seq & 1) !== 0) continue;
        let objects: T[] | null;
        try {
          objects = this.readObjects(stripe, key);
        } catch (error) {
          if (Atomics.load(ctl, seqIndex) === seq) throw error;
          continue;
        }
        if (Atomics.load(ctl, seqIndex) !== seq) continue;
        if (objects !== null) {
          if (cache !== null) this.remember(cache, key, objects, stripe, changes, epoch);
          return objects;
        }
        if (!this.mem.refresh()) break;
      }
    }
    stripe.readLock();
    try {
      const objects = this.readObjectsLocked(stripe, key);
      // No writer runs while we hold the mutex: the change count is that of the objects read.
      if (cache !== null) this.remember(cache, key, objects, stripe, Atomics.load(ctl, stripe.changesIndex), epoch);
      return objects;
    } finally {
      stripe.readUnlock();
    }
  }

  /** Caches a key's objects, read while its stripe's change count was `changes`, if they can be frozen (and then frozen). */
  private remember(cache: VersionedCache<T | T[]>, key: unknown, objects: T[], stripe: Stripe, changes: number, epoch: number): void {
    if (objects.length === 0 || !isCacheKey(key)) return;
    for (let i = 0; i < objects.length; i++) if (!canDeepFreeze(objects[i])) return;
    for (let i = 0; i < objects.length; i++) deepFreeze(objects[i]);
    // A set's one object, a bag's list (never handed out: hits return a copy; V8 slices a frozen array ~20x slower, so it is not frozen).
    cache.set(key, this.bag ? objects.slice() : objects[0]!, stripe.number, changes, epoch);
  }

  /** Element `pos` (1-based) of the object with this key; for bags, of each such object. Throws NoSuchKeyError without a default. */
  lookupElement(key: unknown, pos: number, ...fallback: [] | [defaultValue: unknown]): unknown {
    const objects = this.lookup(key);
    if (objects.length === 0) {
      if (fallback.length > 0) return fallback[0];
      throw new NoSuchKeyError(this.name, 'lookupElement');
    }
    checkPosition(pos);
    for (const o of objects) if (pos > o.length) throw new BadArgError(`lookupElement: position ${pos} is past the object's ${o.length} elements`);
    return this.bag ? objects.map((o) => o[pos - 1]) : objects[0]![pos - 1];
  }

  member(key: unknown): boolean {
    this.checkRead('member');
    if (this.cache !== null && isCacheKey(key) && this.cache.fresh(key, this.ctl) >= 0) return true;
    this.codec.encodeKey(key);
    const stripe = this.stripeOf(this.codec.h);
    return this.readKey(stripe, () => stripe.index.find(this.codec.h, this.codec.kw.buf, this.codec.kl)) > 0;
  }

  /** Every object. Per stripe a consistent snapshot; ordered_set in key order. */
  tab2list(): T[] {
    this.checkRead('tab2list');
    const out: T[] = [];
    this.scan({}, (o) => {
      out.push(o);
    });
    return out;
  }

  /** Folds over the objects (ordered_set: ascending key order). */
  foldl<A>(fn: (object: T, acc: A) => A, acc: A): A {
    this.checkRead('foldl');
    this.scan({}, (o) => {
      acc = fn(o, acc);
    });
    return acc;
  }

  /** Folds over the objects in the opposite order to `foldl`. */
  foldr<A>(fn: (object: T, acc: A) => A, acc: A): A {
    this.checkRead('foldr');
    this.scan({ reverse: true }, (o) => {
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
    const test = this.compile(specOrPredicate);
    const out: unknown[] = [];
    const limit = options.limit ?? Infinity;
    if (limit !== Infinity && !(Number.isSafeInteger(limit) && limit >= 0)) throw new BadArgError(`select: limit must be a non-negative integer, got ${String(limit)}`);
    if (limit === 0) return out;
    const keys = typeof specOrPredicate === 'function' || options.range !== undefined ? null : (test.spec?.boundKeys(this.keyPos) ?? null);
    const visit = (o: T): boolean | void => {
      const r = test.run(o);
      if (r !== NO_MATCH) out.push(r);
      return out.length < limit;
    };
    if (keys !== null) {
      for (const key of distinctKeys(keys, options.reverse === true)) for (const o of this.lookup(key)) if (visit(o) === false) return out;
      return out;
    }
    this.scan(options, visit);
    return out;
  }

  /** How many objects the spec's result is `true` for (or the predicate accepts). */
  selectCount(specOrPredicate: MatchSpec | ((object: T) => boolean)): number {
    this.checkRead('selectCount');
    const accepts = this.acceptor(specOrPredicate);
    let n = 0;
    this.scan({}, (o) => {
      if (accepts(o)) n++;
    });
    return n;
  }

  /** ets:match: for each object matching `pattern`, the list of its bindings ($1, $2, ...). */
  match(pattern: Pattern): unknown[][] {
    this.checkRead('match');
    const out: unknown[][] = [];
    this.scan({}, (o) => {
      const bindings: unknown[] = [];
      if (matchPattern(pattern, o, bindings)) out.push(bindingList(bindings));
    });
    return out;
  }

  /** ets:match_object: the objects matching `pattern`. */
  matchObject(pattern: Pattern): T[] {
    this.checkRead('matchObject');
    const out: T[] = [];
    this.scan({}, (o) => {
      if (matchPattern(pattern, o, [])) out.push(o);
    });
    return out;
  }

  /** The first key in table order, or END_OF_TABLE. ordered_set: the smallest key. */
  first(): unknown {
    this.checkRead('first');
    return this.edge(false);
  }

  /** The last key (ordered_set: the largest); for other types the same as `first`, as in ETS. */
  last(): unknown {
    this.checkRead('last');
    return this.typeCode === ORDERED_SET ? this.edge(true) : this.edge(false);
  }

  /** The key after `key` in table order, or END_OF_TABLE. ordered_set: `key` need not be present. */
  next(key: unknown): unknown {
    this.checkRead('next');
    return this.step(key, false);
  }

  /** The key before `key` (ordered_set); for other types the same as `next`, as in ETS. */
  prev(key: unknown): unknown {
    this.checkRead('prev');
    return this.step(key, this.typeCode === ORDERED_SET);
  }

  info(): TableInfo {
    this.checkAlive('info');
    const stats = this.arena.stats();
    // Another thread may have grown the arena: the stripes' chunk words below are read through this thread's views.
    if (this.mem.length < stats.capacity) this.mem.refresh();
    let size = 0;
    let slack = 0;
    let repairs = 0;
    for (const s of this.stripes) {
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
      readCache: this.readCache,
      stripes: this.stripes.length,
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
    let n = 0;
    try {
      for (; n < this.stripes.length; n++) this.stripes[n]!.readLock();
      let owned = 0;
      this.stripes.forEach((stripe, s) => (owned += checkStripe(stripe, s, this.bag)));
      try {
        this.arena.check();
      } catch (error) {
        if (error instanceof ArenaCorruptedError) throw new IntegrityError(null, `arena: ${error.message}`, { cause: error });
        throw error;
      }
      const live = this.arena.stats().liveBlocks;
      if (live !== owned) throw new IntegrityError(null, `the arena holds ${live} live blocks, the stripes own ${owned} (leaked: ${live - owned})`);
    } finally {
      while (n-- > 0) this.stripes[n]!.readUnlock();
    }
  }

  /** Number of objects (sum over stripes; exact when no write is in flight). */
  get size(): number {
    this.checkAlive('size');
    let size = 0;
    for (const s of this.stripes) size += s.objects;
    return size;
  }

  // ---- writes ------------------------------------------------------------------

  /** Inserts one object, replacing an object with the same key in set and ordered_set. */
  insert(object: T): true {
    this.checkWrite('insert');
    const codec = this.codec;
    const tuple = codec.encodeTuple(object, 'insert');
    const stripe = this.stripeOf(codec.h);
    stripe.writeLock();
    try {
      this.reserve(stripe, 1);
      if (this.put(stripe, codec.h, codec.kw.buf, codec.kl, tuple, codec.kw.lossy, object)) stripe.onlyAddedKeys();
    } finally {
      stripe.writeUnlock();
    }
    return true;
  }

  /** Inserts every object, atomically: other threads see all of them or none. */
  insertMany(objects: readonly T[]): true {
    this.checkWrite('insertMany');
    const encoded = this.encodeAll(objects, 'insertMany');
    this.batch(encoded, objects, false);
    return true;
  }

  /** Inserts the object unless its key is present. Returns false (and changes nothing) if it is. */
  insertNew(object: T): boolean {
    this.checkWrite('insertNew');
    const codec = this.codec;
    const tuple = codec.encodeTuple(object, 'insertNew');
    const stripe = this.stripeOf(codec.h);
    stripe.writeLock();
    try {
      stripe.onlyAddedKeys(); // a new key, or nothing at all
      if (stripe.index.find(codec.h, codec.kw.buf, codec.kl) > 0) return false;
      this.reserve(stripe, 1);
      this.put(stripe, codec.h, codec.kw.buf, codec.kl, tuple, codec.kw.lossy, object);
    } finally {
      stripe.writeUnlock();
    }
    return true;
  }

  /**
   * Inserts all objects if none of their keys is in the table (atomically);
   * otherwise inserts nothing and returns false. As in ETS, only the table is
   * checked: a key twice in the list is inserted like `insertMany` would.
   */
  insertNewMany(objects: readonly T[]): boolean {
    this.checkWrite('insertNewMany');
    return this.batch(this.encodeAll(objects, 'insertNewMany'), objects, true);
  }

  /** Deletes every object with this key. */
  delete(key: unknown): true {
    this.checkWrite('delete');
    const codec = this.codec;
    codec.encodeKey(key);
    const stripe = this.stripeOf(codec.h);
    stripe.writeLock();
    try {
      const off = stripe.index.find(codec.h, codec.kw.buf, codec.kl);
      if (off > 0) this.unpublishKey(stripe, off, codec.kw.buf, codec.kl);
    } finally {
      stripe.writeUnlock();
    }
    return true;
  }

  /** Deletes this exact object (for bags, every copy of it). */
  deleteObject(object: T): true {
    this.checkWrite('deleteObject');
    const codec = this.codec;
    codec.encodeTuple(object, 'deleteObject');
    const stripe = this.stripeOf(codec.h);
    stripe.writeLock();
    try {
      const kl = codec.kl;
      const kb = codec.kw.buf;
      const head = stripe.index.find(codec.h, kb, kl);
      if (head > 0) this.removeMatching(stripe, head, kb, kl, (o) => termEquals(o, object));
    } finally {
      stripe.writeUnlock();
    }
    return true;
  }

  /** Empties the table, atomically (one transaction over every stripe). */
  deleteAllObjects(): true {
    this.checkWrite('deleteAllObjects');
    const stripes = this.stripes;
    this.lockAll(stripes);
    try {
      const tx = new Transaction(stripes);
      tx.begin();
      for (const stripe of stripes) tx.planClear(stripe);
      tx.commit();
      for (const stripe of stripes) {
        this.clearStripe(stripe);
        tx.finish(stripe);
      }
      tx.end();
    } finally {
      this.unlockAll(stripes);
    }
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
    const codec = this.codec;
    const next = replacement === undefined ? undefined : codec.encode(replacement, 'replaceObject');
    const old = codec.encodeTuple(expected, 'replaceObject');
    const kb = codec.kw.buf;
    const kl = codec.kl;
    const h = codec.h;
    if (next !== undefined && (next.key.length !== kl || Buffer.compare(next.key, kb.subarray(0, kl)) !== 0)) {
      throw new BadArgError('replaceObject: the replacement has another key');
    }
    const stripe = this.stripeOf(h);
    stripe.writeLock();
    try {
      if (next !== undefined) this.reserve(stripe, 1);
      const head = stripe.index.find(h, kb, kl);
      const slot = stripe.index.slot;
      if (head <= 0 || !this.sameObject(head, kl, old, codec.kw.lossy, expected)) {
        stripe.onlyAddedKeys(); // changed nothing
        return false;
      }
      if (next === undefined) {
        this.unpublishKey(stripe, head, kb, kl);
        return true;
      }
      const rec = stripe.writeRecord(h, kb, kl, next.tuple, next.whole);
      if (rec === 0) this.full();
      this.publish(stripe, head, slot, h, kb, kl, rec);
      return true;
    } finally {
      stripe.writeUnlock();
    }
  }

  /** Removes and returns the objects with this key. */
  take(key: unknown): T[] {
    this.checkWrite('take');
    const codec = this.codec;
    codec.encodeKey(key);
    const stripe = this.stripeOf(codec.h);
    stripe.writeLock();
    try {
      const objects = this.readObjectsLocked(stripe, key);
      const off = stripe.index.find(codec.h, codec.kw.buf, codec.kl);
      if (off > 0) this.unpublishKey(stripe, off, codec.kw.buf, codec.kl);
      return objects;
    } finally {
      stripe.writeUnlock();
    }
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
    const results = this.modify(key, defaultObject, 'updateCounter', (object) => applyCounter(object, ops));
    if (results === null) throw new NoSuchKeyError(this.name, 'updateCounter');
    return typeof op === 'number' || !Array.isArray(op) ? results[0]! : results;
  }

  /**
   * Replaces elements of the object with this key: `[pos, value]` or a list
   * of them. Returns false if the key is absent and no default is given.
   * set and ordered_set only.
   */
  updateElement(key: unknown, update: readonly [number, unknown] | ReadonlyArray<readonly [number, unknown]>, defaultObject?: T): boolean {
    this.checkWrite('updateElement');
    if (this.bag) throw new BadArgError('updateElement: not allowed on bag tables');
    const updates = elementUpdates(update, this.keyPos);
    for (const [pos, value] of updates) assertEncodable(value, `updateElement[${pos}]`);
    const done = this.modify(key, defaultObject, 'updateElement', (object) => {
      applyElements(object, updates);
      return [];
    });
    return done !== null;
  }

  /** Deletes the objects the spec's result is `true` for (or the predicate accepts). Returns how many. */
  selectDelete(specOrPredicate: MatchSpec | ((object: T) => boolean)): number {
    this.checkWrite('selectDelete');
    return this.deleteWhere(this.acceptor(specOrPredicate));
  }

  /** Deletes the objects matching `pattern`. */
  matchDelete(pattern: Pattern): true {
    this.checkWrite('matchDelete');
    this.deleteWhere((o) => matchPattern(pattern, o, []));
    return true;
  }

  /** @internal Part of ETS's delete/1; use `Ets.delete(table)`. */
  checkDeletable(): void {
    this.checkWrite('delete');
  }

  // ---- access checks -------------------------------------------------------------

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

  // ---- engine: reads -------------------------------------------------------------

  private stripeOf(h: number): Stripe {
    return this.stripes[this.shift === 0 ? 0 : h >>> this.shift]!;
  }

  /**
   * Decodes the objects of the key in the codec (encoded by the caller) straight
   * from shared memory. Returns null on an impossible state, which only a torn
   * optimistic read (or views older than the buffer) can produce; the decoder
   * bounds all work by the record's size, so torn bytes cannot make it run away.
   */
  private readObjects(stripe: Stripe, key: unknown): T[] | null {
    const codec = this.codec;
    const kb = codec.kw.buf;
    const kl = codec.kl;
    let cur = stripe.index.find(codec.h, kb, kl);
    if (cur <= 0) return cur === ANOMALY ? null : [];
    if (!this.bag) {
      const object = this.decodeRecord(cur, key);
      return object === null ? null : [object];
    }
    const limit = Math.max(1, stripe.objects);
    const out: T[] = [];
    while (cur !== 0) {
      if (out.length >= limit) return null;
      const object = this.decodeRecord(cur, key);
      if (object === null) return null;
      out.push(object);
      cur = this.mem.i32[(cur >> 2) + R_LINK]! & ~FLAG_MASK;
    }
    return out;
  }

  /** The object in the record at `cur`, whose key is the codec's; null if the record looks impossible (torn or stale). */
  private decodeRecord(cur: number, key: unknown): T | null {
    const mem = this.mem;
    if (cur < 0 || cur % 8 !== 0 || cur + RECORD_HEADER > mem.length) return null;
    const i32 = mem.i32;
    const w0 = i32[cur >> 2]!;
    const link = i32[(cur >> 2) + R_LINK]!;
    const codec = this.codec;
    const start = cur + RECORD_HEADER + codec.kl;
    const end = cur + (w0 & ~FLAG_MASK) - (link & FLAG_MASK);
    if (end > mem.length || end <= start) return null;
    return codec.decode(mem.buf, start, end, (w0 & TUPLE) !== 0, codec.kw.buf, 0, key) as T;
  }

  /** `readObjects` with the stripe locked (views refreshed once if they look stale). */
  private readObjectsLocked(stripe: Stripe, key: unknown): T[] {
    const objects = this.readObjects(stripe, key) ?? (this.mem.refresh() ? this.readObjects(stripe, key) : null);
    if (objects === null) throw new RangeError(`table ${this.name}: corrupt index in a locked read`);
    return objects;
  }

  /** Runs a short index probe as a read: optimistically or under the stripe mutex. */
  private readKey(stripe: Stripe, probe: () => number): number {
    if (this.readConcurrency) {
      for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
        const seq = Atomics.load(this.ctl, stripe.seqIndex);
        if ((seq & 1) !== 0) continue;
        const r = probe();
        if (Atomics.load(this.ctl, stripe.seqIndex) !== seq) continue;
        if (r !== ANOMALY) return r;
        if (!this.mem.refresh()) break;
      }
    }
    stripe.readLock();
    try {
      let r = probe();
      if (r === ANOMALY && this.mem.refresh()) r = probe();
      return r;
    } finally {
      stripe.readUnlock();
    }
  }

  /** End of the key encoding of the record at `off` (stripe locked). */
  private keyEndOf(off: number): number {
    const end = skipKey(this.mem.u8, off + RECORD_HEADER, off + (this.mem.i32[off >> 2]! & ~FLAG_MASK));
    if (end < 0) throw new RangeError(`table ${this.name}: corrupt key at ${off}`);
    return end;
  }

  /** Decodes the record at `off` (stripe locked). */
  private decodeAt(off: number): T {
    const mem = this.mem;
    const i32 = mem.i32;
    const w0 = i32[off >> 2]!;
    const end = off + (w0 & ~FLAG_MASK) - (i32[(off >> 2) + R_LINK]! & FLAG_MASK);
    const keyEnd = this.keyEndOf(off);
    return this.codec.decode(mem.buf, keyEnd, end, (w0 & TUPLE) !== 0, mem.u8, off + RECORD_HEADER) as T;
  }

  /** Runs `visit` over every object: stripe by stripe (ordered_set: merged in key order); `reverse` walks backwards. */
  private scan(options: SelectOptions, visit: (object: T) => boolean | void): void {
    const ordered = this.typeCode === ORDERED_SET;
    if (!ordered && options.range !== undefined) throw new BadArgError('a key range needs an ordered_set table');
    const reverse = options.reverse === true;
    const each = visit as (o: unknown[]) => boolean | void;
    const bounds = ordered && options.range !== undefined ? Snapshot.bounds(options.range, this.codec.kw) : null;
    const snapshots: Snapshot[] = [];
    const stripes = reverse && !ordered ? [...this.stripes].reverse() : this.stripes;
    for (const stripe of stripes) {
      let snap: Snapshot;
      stripe.readLock();
      try {
        snap = Snapshot.take(stripe, this.mem, this.bag, bounds);
      } finally {
        stripe.readUnlock();
      }
      if (ordered) snapshots.push(snap);
      else if (!snap.each(this.codec, reverse, each)) return;
    }
    if (ordered) Snapshot.merged(snapshots, this.codec, reverse, each);
  }

  /** first/last: the smallest or largest key (ordered_set), or the first key in slot order. */
  private edge(last: boolean): unknown {
    if (this.typeCode === ORDERED_SET) {
      let best: { key: Uint8Array; off: number; stripe: Stripe } | null = null;
      for (const stripe of this.stripes) {
        stripe.readLock();
        try {
          const order = stripe.order!;
          const count = order.count;
          if (count === 0) continue;
          const off = order.at(last ? count - 1 : 0);
          const key = this.mem.u8.slice(off + RECORD_HEADER, this.keyEndOf(off));
          if (best === null || (Buffer.compare(key, best.key) > 0) === last) best = { key, off, stripe };
        } finally {
          stripe.readUnlock();
        }
      }
      return best === null ? END_OF_TABLE : this.keyOfRecord(best.stripe, best.key);
    }
    return this.slotWalk(0, -1);
  }

  /** next/prev. */
  private step(key: unknown, backwards: boolean): unknown {
    const codec = this.codec;
    codec.encodeKey(key);
    if (this.typeCode === ORDERED_SET) {
      const kb = codec.kw.copy(codec.kl);
      let best: { key: Uint8Array; stripe: Stripe } | null = null;
      for (const stripe of this.stripes) {
        stripe.readLock();
        try {
          const order = stripe.order!;
          let pos = order.search(kb, kb.length);
          if (backwards) pos -= 1;
          else if (order.equal) pos += 1;
          if (pos < 0 || pos >= order.count) continue;
          const off = order.at(pos);
          const k = this.mem.u8.slice(off + RECORD_HEADER, this.keyEndOf(off));
          if (best === null || (Buffer.compare(k, best.key) < 0) !== backwards) best = { key: k, stripe };
        } finally {
          stripe.readUnlock();
        }
      }
      return best === null ? END_OF_TABLE : this.keyOfRecord(best.stripe, best.key);
    }
    const s = this.shift === 0 ? 0 : codec.h >>> this.shift;
    const stripe = this.stripes[s]!;
    let slot: number;
    stripe.readLock();
    try {
      const off = stripe.index.find(codec.h, codec.kw.buf, codec.kl);
      if (off <= 0) throw new BadArgError(`next: the key is not in table ${this.name} (iteration over a changing hash table)`);
      slot = stripe.index.slot;
    } finally {
      stripe.readUnlock();
    }
    return this.slotWalk(s, slot);
  }

  /** The first key in slot order after (stripe s, slot), continuing into later stripes. */
  private slotWalk(s: number, slot: number): unknown {
    for (; s < this.stripes.length; s++, slot = -1) {
      const stripe = this.stripes[s]!;
      stripe.readLock();
      try {
        const next = stripe.index.nextOccupied(slot + 1);
        if (next < 0) continue;
        const off = stripe.index.at(next);
        return this.keyOfRecordAt(off);
      } finally {
        stripe.readUnlock();
      }
    }
    return END_OF_TABLE;
  }

  /** The key of the record holding key encoding `key` (re-looked up under its stripe's lock). */
  private keyOfRecord(stripe: Stripe, key: Uint8Array): unknown {
    stripe.readLock();
    try {
      const off = stripe.index.find(keyHash(key), key, key.length);
      if (off > 0) return this.keyOfRecordAt(off);
    } finally {
      stripe.readUnlock();
    }
    return this.codec.kr.decode(key, 0);
  }

  /** Decodes a record's key (stripe locked); from the stored tuple when the encoding is lossy. */
  private keyOfRecordAt(off: number): unknown {
    if ((this.mem.i32[off >> 2]! & TUPLE) !== 0) return this.decodeAt(off)[this.kp];
    const key = this.mem.u8.slice(off + RECORD_HEADER, this.keyEndOf(off));
    return this.codec.kr.decode(key, 0);
  }

  // ---- engine: writes ------------------------------------------------------------

  /** Makes room in the stripe's index (and order) for `n` more keys; TableFullError if it cannot. */
  private reserve(stripe: Stripe, n: number): void {
    if (!stripe.index.reserve(n) || (stripe.order !== null && !stripe.order.reserve(n))) this.full();
  }

  private full(cause?: unknown): never {
    throw new TableFullError(this.name, this.ctl[H_MAX_BYTES]!, cause);
  }

  /**
   * Writes and publishes one object (stripe write-locked, room reserved):
   * replaces the key's object (set types) or appends to its chain (bags; a bag
   * skips an object it already holds). True if the key was absent before.
   */
  private put(stripe: Stripe, h: number, kb: Uint8Array, kl: number, tuple: Uint8Array, whole: boolean, object: unknown): boolean {
    const head = stripe.index.find(h, kb, kl);
    const slot = stripe.index.slot;
    if (head > 0 && this.bag) {
      let tail = head;
      for (let cur = head; cur !== 0; cur = stripe.link(cur)) {
        if (this.typeCode === BAG && this.sameObject(cur, kl, tuple, whole, object)) return false;
        tail = cur;
      }
      const rec = stripe.writeRecord(h, kb, kl, tuple, whole);
      if (rec === 0) this.full();
      stripe.setLink(tail, rec);
      stripe.added(rec);
      return false;
    }
    const rec = stripe.writeRecord(h, kb, kl, tuple, whole);
    if (rec === 0) this.full();
    this.publish(stripe, head, slot, h, kb, kl, rec);
    return head === 0;
  }

  /** Publishes a written record for a key whose current head is `head` (0: absent) in `slot`. */
  private publish(stripe: Stripe, head: number, slot: number, h: number, kb: Uint8Array, kl: number, rec: number): void {
    if (head > 0) {
      stripe.doom(head, false);
      stripe.index.replace(slot, rec);
      if (stripe.order !== null) {
        const pos = stripe.order.search(kb, kl);
        stripe.order.replaceAt(pos, rec);
      }
      stripe.added(rec);
      stripe.release(head, 0);
      return;
    }
    stripe.index.publish(slot, h, rec);
    if (stripe.order !== null) stripe.order.insertAt(stripe.order.search(kb, kl), rec);
    stripe.added(rec);
  }

  /** Unpublishes the key whose chain starts at `head`, then frees its records. */
  private unpublishKey(stripe: Stripe, head: number, kb: Uint8Array, kl: number): void {
    const slot = stripe.index.slotOf(head);
    stripe.doom(head, this.bag);
    if (stripe.order !== null) {
      const pos = stripe.order.search(kb, kl);
      if (stripe.order.equal) stripe.order.removeAt(pos);
    }
    stripe.index.remove(slot);
    for (let cur = head; cur !== 0; ) {
      const next = this.bag ? stripe.link(cur) : 0;
      stripe.release(cur, next);
      cur = next;
    }
  }

  /**
   * Unpublishes and frees every record of the stripe (write-locked). Keys
   * holding a BIG record go one by one (their blocks are freed through
   * S_DOOMED); the others are unpublished at once, after which the chunk walk
   * would find their records if the writer died before freeing them.
   */
  private clearStripe(stripe: Stripe): void {
    const heads: number[] = [];
    stripe.index.forEach((off) => heads.push(off));
    const i32 = this.mem.i32;
    const small: number[] = [];
    for (const head of heads) {
      let hasBig = false;
      for (let cur = head; cur !== 0 && !hasBig; cur = this.bag ? stripe.link(cur) : 0) hasBig = (i32[cur >> 2]! & BIG) !== 0;
      if (!hasBig) {
        small.push(head);
        continue;
      }
      const key = this.mem.u8.slice(head + RECORD_HEADER, this.keyEndOf(head));
      this.unpublishKey(stripe, head, key, key.length);
    }
    stripe.order?.clear();
    stripe.index.clear();
    for (const head of small) {
      for (let cur = head; cur !== 0; ) {
        const next = this.bag ? stripe.link(cur) : 0;
        stripe.release(cur, next);
        cur = next;
      }
    }
  }

  /** Removes the records of one key's chain that `matches` accepts (stripe write-locked). */
  private removeMatching(stripe: Stripe, head: number, kb: Uint8Array, kl: number, matches: (object: T) => boolean): number {
    if (!this.bag) {
      if (!matches(this.decodeAt(head))) return 0;
      this.unpublishKey(stripe, head, kb, kl);
      return 1;
    }
    let removed = 0;
    let prev = 0;
    let first = head;
    for (let cur = head; cur !== 0; ) {
      const next = stripe.link(cur);
      if (matches(this.decodeAt(cur))) {
        if (prev === 0) {
          if (next === 0) {
            this.unpublishKey(stripe, cur, kb, kl);
            return removed + 1;
          }
          stripe.doom(cur, false);
          stripe.index.replace(stripe.index.slotOf(first), next);
          first = next;
        } else {
          stripe.doom(cur, false);
          stripe.setLink(prev, next);
        }
        stripe.release(cur, 0);
        removed++;
      } else {
        prev = cur;
      }
      cur = next;
    }
    return removed;
  }

  /** Whether records `a` and `b` (of one key, encoded in `kl` bytes) hold the same object; `object` is b's, if known. */
  private sameRecord(a: number, b: number, kl: number, object?: unknown): boolean {
    const i32 = this.mem.i32;
    const wa = i32[a >> 2]!;
    const wb = i32[b >> 2]!;
    if ((wa & TUPLE) === 0 && (wb & TUPLE) === 0) {
      const u8 = this.mem.u8;
      const start = RECORD_HEADER + kl;
      const len = (wa & ~FLAG_MASK) - (i32[(a >> 2) + R_LINK]! & FLAG_MASK) - start;
      if (len === (wb & ~FLAG_MASK) - (i32[(b >> 2) + R_LINK]! & FLAG_MASK) - start) {
        let i = 0;
        while (i < len && u8[a + start + i] === u8[b + start + i]) i++;
        if (i === len) return true;
      }
    }
    return termEquals(this.decodeAt(a), object ?? this.decodeAt(b));
  }

  /** Whether the record at `off` holds the same object as the one being inserted. */
  private sameObject(off: number, kl: number, tuple: Uint8Array, whole: boolean, object: unknown): boolean {
    const i32 = this.mem.i32;
    const w0 = i32[off >> 2]!;
    if (!whole && (w0 & TUPLE) === 0) {
      const start = off + RECORD_HEADER + kl;
      const end = off + (w0 & ~FLAG_MASK) - (i32[(off >> 2) + R_LINK]! & FLAG_MASK);
      if (end - start === tuple.length) {
        const u8 = this.mem.u8;
        let i = 0;
        while (i < tuple.length && u8[start + i] === tuple[i]) i++;
        if (i === tuple.length) return true;
      }
    }
    return termEquals(this.decodeAt(off), object);
  }

  private encodeAll(objects: readonly T[], what: string): EncodedObject[] {
    if (!Array.isArray(objects)) throw new BadArgError(`${what}: expected a list of tuples`);
    return objects.map((o, i) => this.codec.encode(o, `${what}[${i}]`));
  }

  /**
   * Inserts encoded objects atomically, for other threads and across the
   * writer's death: locks every stripe involved (in stripe order, so batches
   * cannot deadlock), reserves room, writes every record unpublished into a
   * per-stripe plan, commits (transaction.ts), and only then publishes.
   * Running out of memory frees what was written and publishes nothing. With
   * `onlyNew`, returns false without writing if any key is present.
   */
  private batch(encoded: EncodedObject[], objects: readonly T[], onlyNew: boolean): boolean {
    if (!this.bag && encoded.length > 1) {
      // Only the last object of a key survives in a set: write just that one
      // (a plan never replaces its own records, which keeps replaying it simple).
      const keep = lastOfEachKey(encoded);
      if (keep !== null) {
        encoded = keep.map((i) => encoded[i]!);
        objects = keep.map((i) => objects[i]!);
      }
    }
    if (encoded.length === 0) return true;
    if (encoded.length === 1) return this.insertOne(encoded[0]!, objects[0], onlyNew);
    const byStripe = new Map<Stripe, number[]>();
    encoded.forEach((e, i) => {
      const stripe = this.stripeOf(e.h);
      let list = byStripe.get(stripe);
      if (list === undefined) byStripe.set(stripe, (list = []));
      list.push(i);
    });
    const members = [...byStripe.keys()].sort((a, b) => a.base - b.base);
    this.lockAll(members);
    try {
      if (onlyNew) {
        for (const e of encoded) if (this.stripeOf(e.h).index.find(e.h, e.key, e.key.length) > 0) return false;
      }
      for (const [stripe, list] of byStripe) this.reserve(stripe, list.length);
      const tx = new Transaction(members);
      tx.begin();
      // Word index (in the arena) of each object's plan entry.
      const slots: number[] = new Array<number>(encoded.length);
      for (const [stripe, list] of byStripe) {
        const first = tx.plan(stripe, list.length);
        if (first < 0) {
          tx.abandon();
          this.full();
        }
        list.forEach((i, j) => (slots[i] = first + j));
      }
      for (let i = 0; i < encoded.length; i++) {
        const e = encoded[i]!;
        const rec = this.stripeOf(e.h).writeRecord(e.h, e.key, e.key.length, e.tuple, e.whole, this.mem.i32, slots[i]!);
        if (rec === 0) {
          tx.abandon();
          this.full();
        }
        this.mem.i32[slots[i]!] = rec;
      }
      tx.commit();
      for (const stripe of members) {
        for (const i of byStripe.get(stripe)!) this.publishPlanned(stripe, this.mem.i32[slots[i]!]!, this.mem.i32, slots[i]!, encoded[i], objects[i]);
        tx.finish(stripe);
      }
      tx.end();
      return true;
    } finally {
      this.unlockAll(members);
    }
  }

  /** `batch` of one object: a plain insert (or insertNew). */
  private insertOne(e: EncodedObject, object: unknown, onlyNew: boolean): boolean {
    const stripe = this.stripeOf(e.h);
    stripe.writeLock();
    try {
      if (onlyNew && stripe.index.find(e.h, e.key, e.key.length) > 0) {
        stripe.onlyAddedKeys(); // changed nothing
        return false;
      }
      this.reserve(stripe, 1);
      if (this.put(stripe, e.h, e.key, e.key.length, e.tuple, e.whole, object)) stripe.onlyAddedKeys();
    } finally {
      stripe.writeUnlock();
    }
    return true;
  }

  /** Write-locks `stripes` (in stripe order). */
  private lockAll(stripes: readonly Stripe[]): void {
    let n = 0;
    try {
      for (; n < stripes.length; n++) stripes[n]!.writeLock();
    } catch (error) {
      while (n-- > 0) stripes[n]!.writeUnlock();
      throw error;
    }
  }

  private unlockAll(stripes: readonly Stripe[]): void {
    for (let i = stripes.length - 1; i >= 0; i--) stripes[i]!.writeUnlock();
  }

  /**
   * Publishes a record a transaction planned (stripe write-locked, room
   * reserved). Idempotent, since a repair replays plans: a record already
   * published is left alone. A bag that already holds the same object frees
   * the record instead, through its plan entry `view[index]`. `e` and
   * `object` are what the writer encoded, when it is the writer calling.
   */
  private publishPlanned(stripe: Stripe, rec: number, view: Int32Array, index: number, e?: EncodedObject, object?: unknown): void {
    let h: number;
    let kb: Uint8Array;
    if (e !== undefined) {
      h = e.h;
      kb = e.key;
    } else {
      h = this.mem.i32[(rec >> 2) + R_HASH]!;
      kb = this.mem.u8.slice(rec + RECORD_HEADER, this.keyEndOf(rec));
    }
    const kl = kb.length;
    const head = stripe.index.find(h, kb, kl);
    const slot = stripe.index.slot;
    if (head === rec) return;
    if (head > 0 && this.bag) {
      let tail = head;
      for (let cur = head; cur !== 0; cur = stripe.link(cur)) {
        if (cur === rec) return;
        if (this.typeCode === BAG && this.sameRecord(cur, rec, kl, object)) {
          stripe.heap.freeFrom(view, index);
          return;
        }
        tail = cur;
      }
      stripe.setLink(tail, rec);
      stripe.added(rec);
      return;
    }
    this.publish(stripe, head, slot, h, kb, kl, rec);
  }

  /**
   * Read-modify-write of one object (set types) under its stripe's lock. The
   * new version is a new record, published by one store, so a crash leaves
   * either version. Returns `change`'s result, or null if the key is absent
   * and there is no default.
   */
  private modify(key: unknown, defaultObject: T | undefined, what: string, change: (object: T) => number[]): number[] | null {
    const codec = this.codec;
    let fallback: T | undefined;
    if (defaultObject !== undefined) {
      if (!Array.isArray(defaultObject) || defaultObject.length < this.keyPos) throw new BadArgError(`${what}: the default must be a tuple with at least keyPos elements`);
      fallback = defaultObject.slice() as T;
      fallback[this.kp] = key;
    }
    codec.encodeKey(key);
    const stripe = this.stripeOf(codec.h);
    stripe.writeLock();
    try {
      this.reserve(stripe, 1);
      const kl = codec.kl;
      const head = stripe.index.find(codec.h, codec.kw.buf, kl);
      const slot = stripe.index.slot;
      let object: T;
      if (head > 0) object = this.decodeAt(head);
      else if (fallback !== undefined) object = fallback;
      else return null;
      const result = change(object);
      // Re-encode: the key bytes stay in codec.kw (decodeAt does not touch them).
      const whole = codec.kw.lossy || (head > 0 && (this.mem.i32[head >> 2]! & TUPLE) !== 0);
      const copy = object.slice();
      if (!whole) copy[this.kp] = null;
      const tuple = packValue(copy);
      const rec = stripe.writeRecord(codec.h, codec.kw.buf, kl, tuple, whole);
      if (rec === 0) this.full();
      this.publish(stripe, head, slot, codec.h, codec.kw.buf, kl, rec);
      return result;
    } finally {
      stripe.writeUnlock();
    }
  }

  /** Deletes, stripe by stripe under the write lock, every object `test` accepts. */
  private deleteWhere(test: (object: T) => boolean): number {
    let deleted = 0;
    for (const stripe of this.stripes) {
      stripe.writeLock();
      try {
        const heads: number[] = [];
        stripe.index.forEach((off) => heads.push(off));
        for (const head of heads) {
          const key = this.mem.u8.slice(head + RECORD_HEADER, this.keyEndOf(head));
          deleted += this.removeMatching(stripe, head, key, key.length, test);
        }
      } finally {
        stripe.writeUnlock();
      }
    }
    return deleted;
  }

  /** select_delete/select_count semantics: a spec accepts an object when its result is `true`. */
  private acceptor(specOrPredicate: MatchSpec | ((object: T) => boolean)): (object: T) => boolean {
    if (typeof specOrPredicate === 'function') return (o) => specOrPredicate(o) === true;
    const spec = new CompiledSpec(specOrPredicate);
    return (o) => spec.run(o) === true;
  }

  private compile(specOrPredicate: MatchSpec | ((object: T) => boolean)): { run: (o: T) => unknown; spec: CompiledSpec | null } {
    if (typeof specOrPredicate === 'function') {
      return { run: (o) => (specOrPredicate(o) ? o : NO_MATCH), spec: null };
    }
    const spec = new CompiledSpec(specOrPredicate);
    return { run: (o) => spec.run(o), spec };
  }
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

/** Indexes of the last object of each key, in order; null when no key repeats. */
function lastOfEachKey(encoded: readonly EncodedObject[]): number[] | null {
  if (!hashRepeats(encoded)) return null;
  const last = new Map<string, number>();
  encoded.forEach((e, i) => last.set(Buffer.from(e.key.buffer, e.key.byteOffset, e.key.length).toString('latin1'), i));
  return [...last.values()].sort((a, b) => a - b);
}

/** Whether two objects share a key hash (small batches without allocating). */
function hashRepeats(encoded: readonly EncodedObject[]): boolean {
  const n = encoded.length;
  if (n <= 16) {
    for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) if (encoded[i]!.h === encoded[j]!.h) return true;
    return false;
  }
  const hashes = new Set<number>();
  for (const e of encoded) {
    if (hashes.has(e.h)) return true;
    hashes.add(e.h);
  }
  return false;
}

function keyHash(key: Uint8Array): number {
  return hashKey(key, key.length);
}
