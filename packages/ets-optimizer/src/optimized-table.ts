/**
 * An optimized table: the operations of an @erlmcp/ets table over N shard
 * tables, with records kept hot (as a plain table keeps them) or cold
 * (compact: deduplicated, interned, compressed).
 *
 * Every operation on one key is one atomic operation on its shard: reads are
 * one lookup; writes that must know what they replace (to drop a cold
 * record's references in the shared stores) go through `replaceObject`, the
 * shard's compare-and-swap, and retry when another thread got there first.
 * insertNewMany and deleteAllObjects over several shards run as one batch
 * (shard-directory.ts), which single-key reads never see half of.
 * This file stays whole past 400 lines: it is the table's API, one method
 * per ETS operation, each a few lines over the shards; the engines live in
 * traversal.ts, stored.ts and the tier modules.
 */
import {
  AccessDeniedError,
  applyCounter,
  applyElements,
  BadArgError,
  CompiledSpec,
  NoSuchKeyError,
  NO_MATCH,
  TableDeletedError,
  TableNameTakenError,
  UnencodableError,
  bindingList,
  compareTerms,
  counterOps,
  elementUpdates,
  encodeValue,
  hashTerm,
  matchPattern,
  termEquals,
  type CounterOp,
  type HeirSpec,
  type MatchSpec,
  type Owner,
  type Pattern,
  type SelectOptions,
  type Table,
  type TableType,
  type Tuple,
} from '@erlmcp/ets';
import type { ChildSpec, Pid } from '@erlmcp/otp';
import { AccessStats, COLD_HIT, HOT_HIT, MISS, PROMOTED, type HitRates } from './access-stats';
import {
  compactShards,
  dropRetired,
  fragmentation,
  shardsToCompact,
  type CompactionReport,
  type ShardFragmentation,
} from './compaction';
import { checkParts } from './integrity';
import { repairReferences, type RepairReport } from './repair';
import { maintain, type MaintenanceOptions, type MaintenanceReport } from './maintenance';
import { memoryReport, type MemoryReport } from './memory-report';
import { resolveOptions, type OptimizedTableOptions } from './options';
import { ownerChildSpec, type OwnerOptions } from './owner-server';
import { coldRecord, hotRecord, isCold, objectOf, payloadOf, type ColdForm, type Stored } from './stored';
import type { ShardDirectory } from './shard-directory';
import { edgeKey, scanShards, stepKey } from './traversal';
import {
  attachParts,
  createParts,
  deleteParts,
  partsHandle,
  type OptimizedTableHandle,
  type TableParts,
} from './parts';

const named = new Map<string, OptimizedTable>();

export interface StoreStats {
  /** Rows of the dictionary table (two per interned string: by string and by id). */
  dictionaryStrings: number;
  sharedValues: number;
  sharedReferences: number;
  /** Bytes of the shared values (UTF-8 for strings). */
  sharedBytes: number;
  /** The version of the compression dictionary in use (0: none). */
  compressionDictionary: number;
}

/** Seed of the shard hash: independent of the hash each shard places its keys by (seed 0). */
export const SHARD_SEED = 0x5eed;

export class OptimizedTable<T extends Tuple = Tuple> {
  readonly name: string;
  readonly type: TableType;
  readonly keyPos: number;
  private readonly kp: number;
  private readonly bag: boolean;
  private readonly ordered: boolean;
  private readonly shards: Table[];
  private readonly anchor: Table;
  private readonly dir: ShardDirectory;
  /** Null when every record stays hot (no cold form configured, or a bag). */
  private readonly cold: ColdForm | null;
  /** Whether writes store the hot form (hot/cold on) or go straight to the cold one. */
  private readonly writeHot: boolean;
  private readonly reads: AccessStats | null;
  private readonly promoteAfter: number;

  /** @internal Use `OptimizedTable.create` or `OptimizedTable.attach`. */
  constructor(readonly parts: TableParts) {
    this.name = parts.name;
    this.anchor = parts.anchor;
    this.shards = parts.shards;
    this.dir = parts.directory;
    this.type = parts.options.type;
    this.keyPos = parts.options.keyPos;
    this.kp = this.keyPos - 1;
    this.bag = this.type === 'bag' || this.type === 'duplicate_bag';
    this.ordered = this.type === 'ordered_set';
    this.cold = this.bag ? null : parts.cold;
    this.writeHot = this.cold === null || parts.options.hotCold !== null;
    this.reads = parts.access;
    this.promoteAfter = parts.options.hotCold?.promoteAfter ?? Infinity;
  }

  /**
   * Creates a table owned by the calling process (or the node), as
   * `Ets.new` does. Every option is checked first: a bad one is an
   * InvalidOptionError naming it, and nothing is created.
   */
  static create<T extends Tuple = Tuple>(name: string, options: OptimizedTableOptions = {}): OptimizedTable<T> {
    if (options.named === true && named.has(name) && !named.get(name)!.deleted) throw new TableNameTakenError(name);
    const table = new OptimizedTable<T>(createParts(name, options));
    if (options.named === true) named.set(name, table as unknown as OptimizedTable);
    return table;
  }

  /**
   * A child spec for any supervision tree: a GenServer that creates the
   * table in its init (and so owns it) and runs `maintain()` every
   * `intervalMs` (default 1000). Ask it for the table's handle with
   * `GenServer.call(pid, 'handle')`; see owner-server.ts.
   */
  static childSpec(
    name: string,
    options: OptimizedTableOptions = {},
    owner: OwnerOptions & { id?: string; register?: string } = {},
  ): ChildSpec {
    // Options are checked now, in the caller: a bad one fails here rather than in every restart.
    resolveOptions(name, options);
    const start = owner.register === undefined ? {} : { name: owner.register };
    return ownerChildSpec(
      owner.id ?? `ets-optimizer:${name}`,
      () => OptimizedTable.create(name, options),
      owner,
      start,
    );
  }

  /** The table behind `table.handle()`, in this thread. */
  static attach<T extends Tuple = Tuple>(handle: OptimizedTableHandle): OptimizedTable<T> {
    return new OptimizedTable<T>(attachParts(handle));
  }

  /** The named table created in this thread under `name`, if it is alive. */
  static whereis<T extends Tuple = Tuple>(name: string): OptimizedTable<T> | undefined {
    const t = named.get(name);
    if (t === undefined || t.deleted) return undefined;
    return t as unknown as OptimizedTable<T>;
  }

  /** Deletes the table and every table it is made of (write access needed), as `Ets.delete`. */
  static delete(table: OptimizedTable<Tuple> | OptimizedTable<never>): true {
    const t = table as unknown as OptimizedTable;
    t.checkWrite('delete');
    deleteParts(t.parts);
    if (named.get(t.name) === t) named.delete(t.name);
    return true;
  }

  /** Plain data to post to another thread, where `OptimizedTable.attach(handle)` gives this table. */
  handle(): OptimizedTableHandle {
    return partsHandle(this.parts);
  }

  toString(): string {
    return `#OptimizedTable<${this.name}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  get deleted(): boolean {
    return this.anchor.deleted;
  }

  /** Number of shards. */
  get shardCount(): number {
    return this.shards.length;
  }

  /** The index of the shard that holds `key`. */
  shardOf(key: unknown): number {
    return this.shards.length === 1 ? 0 : hashTerm(key, SHARD_SEED) % this.shards.length;
  }

  // ---- ownership (the anchor table's, as ETS defines it) ------------------------

  get owner(): Owner {
    return this.anchor.owner;
  }

  get access(): Table['access'] {
    return this.anchor.access;
  }

  callerIsOwner(): boolean {
    return this.anchor.callerIsOwner();
  }

  /** Hands the table to `pid` (every internal table goes; the anchor's ETS-TRANSFER message names this table). Owner only. */
  giveAway(pid: Pid, giftData?: unknown): true {
    this.checkAlive('giveAway');
    if (!this.callerIsOwner())
      throw new AccessDeniedError(this.name, 'giveAway', 'only the owner can give the table away');
    for (const t of this.parts.internal()) t.giveAway(pid, giftData);
    this.anchor.giveAway(pid, giftData);
    return true;
  }

  /** Sets the heir of the table (and of every internal table). Owner only. */
  setHeir(heir: HeirSpec | 'none'): true {
    this.checkAlive('setHeir');
    if (!this.callerIsOwner()) throw new AccessDeniedError(this.name, 'setHeir', 'only the owner can set the heir');
    for (const t of this.parts.internal()) t.setHeir(heir);
    this.anchor.setHeir(heir);
    this.parts.options.heir = heir; // for the shard tables compaction creates
    return true;
  }

  // ---- reads ---------------------------------------------------------------------

  lookup(key: unknown): T[] {
    this.checkRead('lookup');
    const access = this.reads;
    if (access === null) {
      const recs = this.readShard(this.shardOf(key), key);
      if (recs.length === 0) return [];
      if (!this.bag) return [this.objectOf(recs[0]!, true)];
      return recs.map((r) => this.objectOf(r, true));
    }
    const h = hashTerm(key, SHARD_SEED);
    const s = h % this.shards.length;
    const [rec] = this.readShard(s, key);
    if (rec === undefined) {
      access.count(MISS);
      return [];
    }
    const reads = access.read(h);
    if (!isCold(rec)) {
      access.count(HOT_HIT);
      return [this.objectOf(rec, true)];
    }
    access.count(COLD_HIT);
    const object = this.objectOf(rec);
    if (reads >= this.promoteAfter) this.promote(s, rec, object);
    return [object];
  }

  /** A cold record read often enough becomes hot (compare-and-swap: a write meanwhile wins). */
  private promote(s: number, rec: Stored, object: T): void {
    const hot = hotRecord(object, this.kp, 'lookup');
    this.dir.writing(s, () => {
      if (this.shards[s]!.replaceObject(rec, hot)) {
        this.release(rec);
        this.reads!.count(PROMOTED);
      }
    });
  }

  lookupElement(key: unknown, pos: number, ...fallback: [] | [defaultValue: unknown]): unknown {
    const objects = this.lookup(key);
    if (objects.length === 0) {
      if (fallback.length > 0) return fallback[0];
      throw new NoSuchKeyError(this.name, 'lookupElement');
    }
    if (!Number.isInteger(pos) || pos < 1) throw new BadArgError(`position must be a positive integer, got ${pos}`);
    for (const o of objects)
      if (pos > o.length)
        throw new BadArgError(`lookupElement: position ${pos} is past the object's ${o.length} elements`);
    return this.bag ? objects.map((o) => o[pos - 1]) : objects[0]![pos - 1];
  }

  member(key: unknown): boolean {
    this.checkRead('member');
    const s = this.shardOf(key);
    const seqs = this.dir.batchSeqs;
    for (;;) {
      const seq = Atomics.load(seqs, s);
      if ((seq & 1) === 0) {
        const found = this.shards[s]!.member(key);
        if (Atomics.load(seqs, s) === seq) return found;
      } else this.dir.awaitBatch(s);
    }
  }

  tab2list(): T[] {
    this.checkRead('tab2list');
    const out: T[] = [];
    this.scan({}, (o) => void out.push(o));
    return out;
  }

  foldl<A>(fn: (object: T, acc: A) => A, acc: A): A {
    this.checkRead('foldl');
    this.scan({}, (o) => void (acc = fn(o, acc)));
    return acc;
  }

  foldr<A>(fn: (object: T, acc: A) => A, acc: A): A {
    this.checkRead('foldr');
    this.scan({ reverse: true }, (o) => void (acc = fn(o, acc)));
    return acc;
  }

  select<R = unknown>(spec: MatchSpec, options?: SelectOptions): R[];
  select(predicate: (object: T) => boolean, options?: SelectOptions): T[];
  select(specOrPredicate: MatchSpec | ((object: T) => boolean), options: SelectOptions = {}): unknown[] {
    this.checkRead('select');
    const out: unknown[] = [];
    const limit = options.limit ?? Infinity;
    if (limit !== Infinity && !(Number.isSafeInteger(limit) && limit >= 0))
      throw new BadArgError(`select: limit must be a non-negative integer, got ${String(limit)}`);
    if (limit === 0) return out;
    const spec = typeof specOrPredicate === 'function' ? null : new CompiledSpec(specOrPredicate);
    const run =
      spec === null ? (o: T) => ((specOrPredicate as (object: T) => boolean)(o) ? o : NO_MATCH) : (o: T) => spec.run(o);
    const visit = (o: T): boolean => {
      const r = run(o);
      if (r !== NO_MATCH) out.push(r);
      return out.length < limit;
    };
    const keys = spec === null || options.range !== undefined ? null : spec.boundKeys(this.keyPos);
    if (keys !== null) {
      // Every head fixes the key: lookups instead of a scan, in the order a scan would give.
      const sorted = [...keys].sort(compareTerms).filter((k, i, a) => i === 0 || compareTerms(a[i - 1], k) !== 0);
      if (options.reverse === true) sorted.reverse();
      for (const key of sorted) for (const o of this.lookup(key)) if (!visit(o)) return out;
      return out;
    }
    this.scan(options, visit);
    return out;
  }

  selectCount(specOrPredicate: MatchSpec | ((object: T) => boolean)): number {
    this.checkRead('selectCount');
    const accepts = acceptor(specOrPredicate);
    let n = 0;
    this.scan({}, (o) => void (accepts(o) && n++));
    return n;
  }

  match(pattern: Pattern): unknown[][] {
    this.checkRead('match');
    const out: unknown[][] = [];
    this.scan({}, (o) => {
      const bindings: unknown[] = [];
      if (matchPattern(pattern, o, bindings)) out.push(bindingList(bindings));
    });
    return out;
  }

  matchObject(pattern: Pattern): T[] {
    this.checkRead('matchObject');
    const out: T[] = [];
    this.scan({}, (o) => void (matchPattern(pattern, o, []) && out.push(o)));
    return out;
  }

  first(): unknown {
    this.checkRead('first');
    return edgeKey(this.shards, this.ordered, false);
  }

  last(): unknown {
    this.checkRead('last');
    return edgeKey(this.shards, this.ordered, this.ordered);
  }

  next(key: unknown): unknown {
    this.checkRead('next');
    return stepKey(this.shards, this.ordered, key, this.shardOf(key), false);
  }

  prev(key: unknown): unknown {
    this.checkRead('prev');
    return stepKey(this.shards, this.ordered, key, this.shardOf(key), this.ordered);
  }

  /** Objects stored (the sum over shards; exact when no write is in flight). */
  get size(): number {
    this.checkAlive('size');
    this.dir.sync();
    let n = 0;
    for (const s of this.shards) n += s.size;
    return n;
  }

  /** Bytes the table holds, by part (see MemoryReport). */
  memory(): MemoryReport {
    this.checkAlive('memory');
    this.dir.sync();
    return memoryReport(this.parts);
  }

  /** Hot and cold hits, misses, promotions and demotions, counted by every thread (zeros without hotCold). */
  hitRates(): HitRates {
    return this.reads?.rates() ?? { hotHits: 0, coldHits: 0, misses: 0, promotions: 0, demotions: 0, hotHitRate: NaN };
  }

  /** What the shared stores hold: dictionary strings, shared values and the references to them, the compression dictionary version. */
  storeStats(): StoreStats {
    this.checkAlive('storeStats');
    const stores = this.parts.stores;
    const shared = stores?.dedup?.stats() ?? { values: 0, references: 0, bytes: 0 };
    return {
      dictionaryStrings: stores?.dictionary?.table.size ?? 0,
      sharedValues: shared.values,
      sharedReferences: shared.references,
      sharedBytes: shared.bytes,
      compressionDictionary: stores?.compressor?.version ?? 0,
    };
  }

  /** Hot and cold records (a scan of every shard). */
  tiers(): { hot: number; cold: number } {
    this.checkRead('tiers');
    let hot = 0;
    let cold = 0;
    for (const shard of this.shards) shard.foldl((rec: unknown[]) => (isCold(rec as Stored) ? cold++ : hot++, 0), 0);
    return { hot, cold };
  }

  /** Verifies every part (see integrity.ts); throws IntegrityError. For tests and diagnostics. */
  check(): void {
    this.checkAlive('check');
    this.dir.sync();
    checkParts(this.parts);
  }

  /** Per shard: bytes reserved and in use, free bytes, free extents and the largest free block. */
  fragmentation(): ShardFragmentation[] {
    this.checkAlive('fragmentation');
    this.dir.sync();
    return fragmentation(this.parts);
  }

  /**
   * Copies the live records of the given shards (all by default) into new
   * tables sized for them and switches every thread to those (see
   * compaction.ts). Readers keep reading throughout; writers of a shard wait
   * while it is copied. Owner only (the new tables are the owner's).
   */
  compact(shards?: readonly number[]): CompactionReport {
    this.checkAlive('compact');
    if (!this.anchor.callerIsOwner())
      throw new AccessDeniedError(this.name, 'compact', 'only the owner compacts (the new shard tables are its)');
    this.dir.sync();
    const which = shards ?? this.shards.map((_, s) => s);
    for (const s of which)
      if (!Number.isInteger(s) || s < 0 || s >= this.shards.length)
        throw new BadArgError(`compact: no shard ${String(s)}`);
    return compactShards(this.parts, which);
  }

  /** Recounts the shared store's references (see repair.ts); maintenance runs it when a thread has died since the last audit. */
  repair(): RepairReport {
    this.checkAlive('repair');
    this.dir.sync();
    return repairReferences(this.parts);
  }

  /** One maintenance pass (migration between tiers, dictionary training); the owner process runs them on a timer. */
  maintain(options: MaintenanceOptions = {}): MaintenanceReport {
    this.checkAlive('maintain');
    this.dir.sync();
    // A thread died since the last audit: it may have died between taking references and publishing.
    const repaired = this.parts.directory.unaudited() ? repairReferences(this.parts) : undefined;
    const report = maintain(this.parts, SHARD_SEED, options);
    if (repaired !== undefined) report.repaired = repaired;
    // The compaction policy: only the owner compacts (the new tables are its).
    // Old shards switched away from by this thread's last compaction: a pass later, no reader is still in them.
    dropRetired(this.parts);
    const policy = this.parts.options.compaction;
    if (policy !== null && this.anchor.callerIsOwner()) {
      const which = shardsToCompact(this.parts, policy.threshold);
      if (which.length > 0) report.compaction = compactShards(this.parts, which);
    }
    return report;
  }

  // ---- writes --------------------------------------------------------------------

  insert(object: T): true {
    this.checkWrite('insert');
    const hot = hotRecord(object, this.kp, 'insert');
    const key = hot[0];
    const s = this.shardOf(key);
    return this.dir.writing(s, () => {
      const shard = this.shards[s]!;
      try {
        if (this.cold === null) {
          shard.insert(hot);
          return true;
        }
        const rec = this.writeForm(hot, 'insert');
        try {
          if (!shard.insertNew(rec)) this.swap(shard, key, rec);
        } catch (error) {
          this.dropUnpublished(rec);
          throw error;
        }
      } catch (error) {
        rethrowAt(error, object, 'insert');
      }
      return true;
    });
  }

  insertNew(object: T): boolean {
    this.checkWrite('insertNew');
    const hot = hotRecord(object, this.kp, 'insertNew');
    const key = hot[0];
    const s = this.shardOf(key);
    return this.dir.writing(s, () => {
      const shard = this.shards[s]!;
      try {
        if (this.cold === null) return shard.insertNew(hot);
        if (shard.member(key)) return false;
        const rec = this.writeForm(hot, 'insertNew');
        let done = false;
        try {
          done = shard.insertNew(rec);
        } finally {
          if (!done) this.dropUnpublished(rec);
        }
        return done;
      } catch (error) {
        rethrowAt(error, object, 'insertNew');
      }
    });
  }

  /**
   * Inserts every object. Every object is checked first, so a bad one writes
   * nothing; the objects of one shard are then written atomically when they
   * are all new keys (and always in bags), the others one by one.
   */
  insertMany(objects: readonly T[]): true {
    this.checkWrite('insertMany');
    const groups = this.grouped(objects, 'insertMany');
    for (const [s, recs] of groups) {
      this.dir.writing(s, () => {
        const shard = this.shards[s]!;
        if (this.cold === null) {
          shard.insertMany(recs);
          return;
        }
        const stored = recs.map((r) => this.writeForm(r, 'insertMany'));
        let i = 0;
        try {
          if (shard.insertNewMany(stored)) {
            // A key twice in the list: only its last object was stored; the others' references go.
            this.dropShadowed(stored);
            return;
          }
          for (; i < stored.length; i++) if (!shard.insertNew(stored[i]!)) this.swap(shard, stored[i]![0], stored[i]!);
        } catch (error) {
          for (; i < stored.length; i++) this.dropUnpublished(stored[i]!);
          throw error;
        }
      });
    }
    return true;
  }

  /**
   * Inserts the objects if none of their keys is in the table, else nothing
   * (false), atomically across shards: the shards involved are written as one
   * batch (shard-directory.ts), so other writers wait and a reader of any key
   * sees all of the objects or none. A failure (the table full) takes back
   * what the batch wrote before readers see it.
   */
  insertNewMany(objects: readonly T[]): boolean {
    this.checkWrite('insertNewMany');
    const groups = this.grouped(objects, 'insertNewMany');
    if (groups.size === 0) return true;
    const shards = [...groups.keys()].sort((a, b) => a - b);
    const write = (): boolean => {
      for (const [s, recs] of groups) for (const r of recs) if (this.shards[s]!.member(r[0])) return false;
      const written: [Table, Stored[]][] = [];
      // Takes back what was written: readers (shut out of a batch's shards) never see it.
      const undo = (outcome: unknown): false => {
        for (const [shard, rs] of written) for (const r of rs) this.removeExact(shard, r);
        if (outcome === false) return false;
        throw outcome;
      };
      try {
        for (const s of shards) {
          const shard = this.shards[s]!;
          const stored =
            this.cold === null ? groups.get(s)! : groups.get(s)!.map((r) => this.writeForm(r, 'insertNewMany'));
          let done = false;
          try {
            // In a batch no other writer holds the shard, so only running out of room fails it; one shard
            // shares its gate with other writers, and a key one of them inserted since the check refuses it.
            done = shard.insertNewMany(stored);
          } finally {
            if (!done) for (const r of stored) this.dropUnpublished(r);
          }
          if (!done) return undo(false);
          if (!this.bag) this.dropShadowed(stored);
          written.push([shard, stored]);
        }
      } catch (error) {
        undo(error);
      }
      return true;
    };
    // One shard: its @erlmcp/ets table makes the batch atomic by itself.
    return shards.length === 1 ? this.dir.writing(shards[0]!, write) : this.dir.batch(shards, write);
  }

  delete(key: unknown): true {
    this.checkWrite('delete');
    const s = this.shardOf(key);
    return this.dir.writing(s, () => {
      const shard = this.shards[s]!;
      if (this.cold === null) shard.delete(key);
      else for (const r of shard.take(key) as Stored[]) this.release(r);
      return true;
    });
  }

  take(key: unknown): T[] {
    this.checkWrite('take');
    const s = this.shardOf(key);
    return this.dir.writing(s, () => {
      const recs = this.shards[s]!.take(key) as Stored[];
      // Decoded before its references go: a cold record's strings may live only in the shared store.
      const out = recs.map((r) => this.objectOf(r, true));
      for (const r of recs) this.release(r);
      return out;
    });
  }

  deleteObject(object: T): true {
    this.checkWrite('deleteObject');
    const hot = hotRecord(object, this.kp, 'deleteObject');
    const key = hot[0];
    const s = this.shardOf(key);
    return this.dir.writing(s, () => {
      const shard = this.shards[s]!;
      if (this.bag) {
        shard.deleteObject(hot);
        return true;
      }
      for (;;) {
        const [cur] = shard.lookup(key) as Stored[];
        if (cur === undefined || !termEquals(this.objectOf(cur), object)) return true;
        if (shard.replaceObject(cur)) {
          this.release(cur);
          return true;
        }
      }
    });
  }

  /** Empties the table, atomically across shards (one batch over every shard: a reader sees every object or none gone). */
  deleteAllObjects(): true {
    this.checkWrite('deleteAllObjects');
    this.dir.batch(
      this.shards.map((_, s) => s),
      () => {
        for (const shard of this.shards) {
          if (this.cold === null) shard.deleteAllObjects();
          // No other writer holds the shard: one pass removes every record.
          else for (const r of shard.tab2list() as Stored[]) this.removeExact(shard, r);
        }
      },
    );
    return true;
  }

  updateCounter(key: unknown, op: number | CounterOp, defaultObject?: T): number;
  updateCounter(key: unknown, ops: readonly CounterOp[], defaultObject?: T): number[];
  updateCounter(key: unknown, op: number | CounterOp | readonly CounterOp[], defaultObject?: T): number | number[] {
    this.checkWrite('updateCounter');
    if (this.bag) throw new BadArgError('updateCounter: not allowed on bag tables');
    const ops = counterOps(op, this.keyPos);
    const results = this.modify(key, defaultObject, 'updateCounter', (o) => applyCounter(o, ops));
    if (results === null) throw new NoSuchKeyError(this.name, 'updateCounter');
    return typeof op === 'number' || !Array.isArray(op) ? results[0]! : results;
  }

  updateElement(
    key: unknown,
    update: readonly [number, unknown] | ReadonlyArray<readonly [number, unknown]>,
    defaultObject?: T,
  ): boolean {
    this.checkWrite('updateElement');
    if (this.bag) throw new BadArgError('updateElement: not allowed on bag tables');
    const updates = elementUpdates(update, this.keyPos);
    for (const [pos, value] of updates) encodeValue(value, `updateElement[${pos}]`);
    return this.modify(key, defaultObject, 'updateElement', (o) => (applyElements(o, updates), [])) !== null;
  }

  selectDelete(specOrPredicate: MatchSpec | ((object: T) => boolean)): number {
    this.checkWrite('selectDelete');
    return this.deleteWhere(acceptor(specOrPredicate));
  }

  matchDelete(pattern: Pattern): true {
    this.checkWrite('matchDelete');
    this.deleteWhere((o) => matchPattern(pattern, o, []));
    return true;
  }

  // ---- access checks -------------------------------------------------------------

  /** @internal */
  checkAlive(op: string): void {
    if (this.anchor.deleted) throw new TableDeletedError(`${this.name} (${op})`);
  }

  private checkRead(op: string): void {
    this.checkAlive(op);
    this.dir.sync();
    if (this.anchor.access === 'private' && !this.anchor.callerIsOwner())
      throw new AccessDeniedError(this.name, op, 'the table is private to its owner');
  }

  /** @internal */
  checkWrite(op: string): void {
    this.checkAlive(op);
    if (this.anchor.access !== 'public' && !this.anchor.callerIsOwner()) {
      throw new AccessDeniedError(this.name, op, `the table is ${this.anchor.access}: only its owner writes`);
    }
  }

  // ---- engine ----------------------------------------------------------------------

  /**
   * The records of `key` in shard `s`, read under the shard's batch seqlock
   * (shard-directory.ts): never part of a multi-shard batch.
   */
  private readShard(s: number, key: unknown): Stored[] {
    const seqs = this.dir.batchSeqs;
    for (;;) {
      const seq = Atomics.load(seqs, s);
      if ((seq & 1) === 0) {
        const recs = this.shards[s]!.lookup(key) as Stored[];
        if (Atomics.load(seqs, s) === seq) return recs;
      } else this.dir.awaitBatch(s);
    }
  }

  /** The object a stored record holds, as a fresh array (`owned`: the record is the caller's to spend, its payload array is reused). */
  private objectOf(rec: Stored, owned = false): T {
    return objectOf(rec, this.kp, this.cold, owned) as T;
  }

  /** The record a write stores: the hot one, or (hot/cold off) its cold form. */
  private writeForm(hot: Stored, what: string): Stored {
    if (this.writeHot) return hot;
    const payload = payloadOf(hot, this.kp);
    try {
      return coldRecord(hot[0], this.cold!.encode(payload));
    } catch (error) {
      // The codec met what a table refuses: find where, as a plain table names it.
      if (error instanceof UnencodableError) encodeValue(payload, what);
      throw error;
    }
  }

  /** Drops the references of a record that is no longer (or never was) in the table. */
  private release(rec: Stored): void {
    if (this.cold !== null && isCold(rec)) this.cold.release(rec[1]);
  }

  private dropUnpublished(rec: Stored): void {
    this.release(rec);
  }

  /** After a set's insertNewMany: the records of a key that came twice were not stored but the last. */
  private dropShadowed(stored: Stored[]): void {
    if (this.cold === null || stored.length < 2) return;
    const last = new Map<string, number>();
    stored.forEach((r, i) => last.set(Buffer.from(encodeValue(r[0])).toString('latin1'), i));
    if (last.size === stored.length) return;
    const kept = new Set(last.values());
    stored.forEach((r, i) => kept.has(i) || this.release(r));
  }

  /** Removes exactly `rec` (compare-and-swap) and drops its references if it did. */
  private removeExact(shard: Table, rec: Stored): boolean {
    if (this.bag) {
      shard.deleteObject(rec);
      return true;
    }
    if (!shard.replaceObject(rec)) return false;
    this.release(rec);
    return true;
  }

  /** Replaces whatever the key holds by `rec`, retrying until its compare-and-swap wins. */
  private swap(shard: Table, key: unknown, rec: Stored): void {
    for (;;) {
      const [cur] = shard.lookup(key) as Stored[];
      if (cur === undefined) {
        if (shard.insertNew(rec)) return;
      } else if (shard.replaceObject(cur, rec)) {
        this.release(cur);
        return;
      }
    }
  }

  /** Read-modify-write of a set's object through compare-and-swap; null if absent without a default. */
  private modify(
    key: unknown,
    defaultObject: T | undefined,
    what: string,
    change: (object: T) => number[],
  ): number[] | null {
    let fallback: T | undefined;
    if (defaultObject !== undefined) {
      if (!Array.isArray(defaultObject) || defaultObject.length < this.keyPos)
        throw new BadArgError(`${what}: the default must be a tuple with at least keyPos elements`);
      fallback = defaultObject.slice() as T;
      fallback[this.kp] = key;
    }
    const s = this.shardOf(key);
    return this.dir.writing(s, () => this.modifyIn(this.shards[s]!, key, fallback, what, change));
  }

  private modifyIn(
    shard: Table,
    key: unknown,
    fallback: T | undefined,
    what: string,
    change: (object: T) => number[],
  ): number[] | null {
    for (;;) {
      const [cur] = shard.lookup(key) as Stored[];
      if (cur === undefined && fallback === undefined) return null;
      const object = cur === undefined ? (fallback!.slice() as T) : this.objectOf(cur);
      const result = change(object);
      // A write makes the object hot (a cold one is decoded already).
      const rec = this.writeForm(hotRecord(object, this.kp, what), what);
      let done = false;
      try {
        done = cur === undefined ? shard.insertNew(rec) : shard.replaceObject(cur, rec);
      } finally {
        if (!done) this.dropUnpublished(rec);
      }
      if (done) {
        if (cur !== undefined) this.release(cur);
        return result;
      }
    }
  }

  private deleteWhere(test: (object: T) => boolean): number {
    let deleted = 0;
    for (let s = 0; s < this.shards.length; s++) {
      this.dir.writing(s, () => {
        const shard = this.shards[s]!;
        for (const rec of shard.tab2list() as Stored[]) {
          if (test(this.objectOf(rec)) && this.removeExact(shard, rec)) deleted++;
        }
      });
    }
    return deleted;
  }

  /** Objects checked (all of them, before anything is written) and grouped by shard, as [key, hot payload]. */
  private grouped(objects: readonly T[], what: string): Map<number, Stored[]> {
    if (!Array.isArray(objects)) throw new BadArgError(`${what}: expected a list of tuples`);
    const groups = new Map<number, Stored[]>();
    objects.forEach((o, i) => {
      const rec = hotRecord(o, this.kp, `${what}[${i}]`);
      encodeValue(o, `${what}[${i}]`);
      const s = this.shardOf(rec[0]);
      let list = groups.get(s);
      if (list === undefined) groups.set(s, (list = []));
      list.push(rec);
    });
    return groups;
  }

  private scan(options: SelectOptions, visit: (object: T) => boolean | void): void {
    scanShards(this.shards, this.ordered, options, (rec) => visit(this.objectOf(rec as Stored, true)));
  }
}

/**
 * A value a shard refused is named by its place in the shard record (see
 * stored.ts); the object's own check names it as a plain table would
 * (`insert[1].tools[0].run`), and that error is thrown instead.
 */
function rethrowAt(error: unknown, object: unknown, what: string): never {
  if (error instanceof UnencodableError) encodeValue(object, what);
  throw error;
}

function acceptor<T>(specOrPredicate: MatchSpec | ((object: T) => boolean)): (object: T) => boolean {
  if (typeof specOrPredicate === 'function') return (o) => specOrPredicate(o) === true;
  const spec = new CompiledSpec(specOrPredicate);
  return (o) => spec.run(o) === true;
}
