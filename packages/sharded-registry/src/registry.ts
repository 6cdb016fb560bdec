// Past 400 lines on purpose: one class, the registry's client API, in the sections below
// (supervisor, lookups, writes, what shard processes call, resharding), each over the same
// shard tables and routing state.
/**
 * ShardedRegistry: the client side, the same in every thread. Lookups read
 * the shard tables directly; writes are atomic table operations (insertNew,
 * a delete conditional on the holder) made by the caller on its own thread,
 * after which the shard's process on the holder's scheduler is told to
 * monitor the holder.
 */
import { Ets, type Table, type TableHandle } from '@erlmcp/ets';
import { VersionedCache } from '@erlmcp/shm';
import {
  CallExitError,
  GenServer,
  LOOKUP_SAMPLE_EVERY,
  currentNode,
  NoProcError,
  Pid,
  Supervisor,
  currentPid,
  isPid,
  isProcessAlive,
  processInfoAsync,
  schedulers,
  whereis,
  type ChildSpec,
  type NameService,
} from '@erlmcp/otp';
import { threadId } from 'node:worker_threads';
import { coordinator, type ReshardReply } from './coordinator';
import {
  BadNameError,
  DeadPidError,
  NameTakenError,
  NotOwnerError,
  NotRegisteredError,
  NotRunningError,
  RegistryArgError,
  ReshardFailedError,
} from './errors';
import {
  COUNTERS_PER_SHARD,
  C_CUR,
  C_EPOCH,
  C_MAGIC,
  C_MAX_SHARDS,
  C_NEXT,
  C_NEXT_SLOT,
  C_PREV,
  C_SCHEDULERS,
  MAGIC,
  MAX_SLOTS,
  controlWords,
  counterWords,
  generationWord,
  versionWord,
  WRITER_THREAD,
  writerWord,
} from './layout';
import { checkEncodable, describe, keyId, keyOf, type Name } from './names';
import { hashString, jumpHash } from './placement';
import { Outbox } from './outbox';
import { moveShards } from './reshard';
import { claimSlot } from './slots';
import { deleteIfHeld, hashKey, type Row } from './rows';
import { watcherScheduler, type ShardCall, type ShardOp } from './shard';
// type cycle: supervision.ts and shard-entry.ts name ShardedRegistry as a type only; this is the one run-time edge.
import { registrySpec, shardSpec } from './supervision';
import type { Entry, ListOptions, Registration, RegistryHandle, RegistryOptions, ShardStats } from './types';

const DEFAULT_TABLE_BYTES = 64 * 1024 * 1024;
const DEFAULT_CACHE_ENTRIES = 1_000_000;
let unique = 0;

/** One registry object per thread and handle, so the lookup cache and counter slot are shared in the thread. */
const attached = new WeakMap<SharedArrayBuffer, ShardedRegistry<unknown>>();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// The shard processes reach the registry as their ShardHost (shard.ts; supervision.ts passes it
// as one, which checks it). It does not say `implements ShardHost`: those members are marked internal,
// left out of the published types, where the clause would then fail to hold.
export class ShardedRegistry<M = unknown> {
  readonly name: string;
  /** Via this, the registry is the `via` name service of GenServer start and call. */
  readonly nameService: NameService<Name>;
  private readonly ctl: Int32Array;
  private readonly counts: Float64Array;
  /** Lookups until the next one is timed for `registry:lookup`. */
  private sampleIn = LOOKUP_SAMPLE_EVERY;
  /** Index of this thread's first counter in `counts`. */
  private readonly slot: number;
  /** This thread's word of writers inside a write, in `ctl`. */
  private readonly writers: number;
  private readonly tables: Table<Row>[];
  private readonly tableHandles: TableHandle[];
  private readonly maxShards: number;
  /** The node's schedulers: each shard has a process on every one. */
  private readonly schedulerCount: number;
  private readonly cacheEntries: number;
  private readonly cache: VersionedCache<Registration<M>>;
  /** What this thread has to tell shard processes. */
  private readonly outbox: Outbox;
  private supervisor: Pid | undefined;

  private constructor(handle: RegistryHandle, tables: Table<Row>[]) {
    this.name = handle.name;
    this.ctl = new Int32Array(handle.control);
    this.counts = new Float64Array(handle.counters);
    this.tables = tables;
    this.tableHandles = [...handle.tables];
    this.maxShards = Atomics.load(this.ctl, C_MAX_SHARDS);
    this.schedulerCount = Atomics.load(this.ctl, C_SCHEDULERS);
    this.cacheEntries = handle.cacheEntries;
    this.cache = new VersionedCache(handle.cacheEntries, {
      versionWords: Array.from({ length: this.maxShards }, (_, s) => versionWord(s)),
      epochWord: C_EPOCH,
    });
    this.outbox = new Outbox(this.ctl, this.maxShards, this.schedulerCount, (shard, scheduler) =>
      this.shardProcessName(shard, scheduler),
    );
    const slot = claimSlot(
      this.ctl,
      this.maxShards,
      this.schedulerCount,
      threadId,
      (id) => Ets.registry.status(id) === 'dead',
    );
    if (slot < 0) throw new RegistryArgError(`more than ${MAX_SLOTS} live threads attached to registry ${this.name}`);
    this.slot = slot * this.maxShards * COUNTERS_PER_SHARD;
    this.writers = writerWord(this.maxShards, this.schedulerCount, slot);
    this.nameService = {
      registerName: async (name, pid) => {
        try {
          await this.registerName(name, pid);
          return true;
        } catch (error) {
          if (error instanceof NameTakenError) return false;
          throw error;
        }
      },
      // GenServer calls this as the server ends. It never throws; a name held by another process stays.
      unregisterName: async (name) => {
        try {
          await this.unregisterName(name);
        } catch {
          // not registered, or held by another process: nothing to release
        }
      },
      whereisName: (name) => this.whereis(name)?.pid,
    };
    attached.set(handle.control, this as ShardedRegistry<unknown>);
  }

  /**
   * Creates the registry's tables (owned by the caller: call it outside any
   * process, or from one that lives as long as the registry). Start its
   * shard processes with `childSpec()` in a supervision tree, or `start()`.
   */
  static create<M = unknown>(options: RegistryOptions = {}): ShardedRegistry<M> {
    const schedulerCount = schedulers().length;
    const shards = options.shards ?? 2 * schedulerCount;
    const maxShards = options.maxShards ?? Math.max(64, shards);
    if (!Number.isInteger(maxShards) || maxShards < 1 || maxShards > 4096)
      throw new RegistryArgError('maxShards must be an integer in 1..4096');
    if (!Number.isInteger(shards) || shards < 1 || shards > maxShards)
      throw new RegistryArgError(`shards must be an integer in 1..${maxShards}`);
    const cacheEntries = options.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
    if (!Number.isInteger(cacheEntries) || cacheEntries < 0)
      throw new RegistryArgError('cacheEntries must be a non-negative integer');
    const name = options.name ?? `sharded_registry_${process.pid}_${++unique}`;
    if (typeof name !== 'string' || name.length === 0) throw new RegistryArgError('name must be a non-empty string');
    const control = new SharedArrayBuffer(controlWords(maxShards, schedulerCount) * 4);
    const ctl = new Int32Array(control);
    ctl[C_CUR] = shards;
    ctl[C_PREV] = shards;
    ctl[C_NEXT] = shards;
    ctl[C_MAX_SHARDS] = maxShards;
    ctl[C_SCHEDULERS] = schedulerCount;
    const tables: Table<Row>[] = [];
    for (let i = 0; i < maxShards; i++) {
      tables.push(
        Ets.new<Row>(`${name}:${i}`, {
          access: 'public',
          readConcurrency: true,
          // 16 lock stripes, not 1: registrations on different threads rarely meet on one lock.
          writeConcurrency: true,
          maxBytes: options.tableBytes ?? DEFAULT_TABLE_BYTES,
          initialBytes: 64 * 1024,
        }),
      );
    }
    Atomics.store(ctl, C_MAGIC, MAGIC);
    const handle: RegistryHandle = {
      kind: 'sharded-registry',
      name,
      control,
      counters: new SharedArrayBuffer(counterWords(maxShards) * 8),
      tables: tables.map((t) => t.handle()),
      cacheEntries,
    };
    return new ShardedRegistry<M>(handle, tables);
  }

  /** The registry behind a handle that came in a message from another scheduler (one object per thread). */
  static attach<M = unknown>(handle: RegistryHandle): ShardedRegistry<M> {
    if (handle === null || typeof handle !== 'object' || handle.kind !== 'sharded-registry')
      throw new RegistryArgError('not a registry handle');
    const known = attached.get(handle.control);
    if (known !== undefined) return known as ShardedRegistry<M>;
    if (Atomics.load(new Int32Array(handle.control), C_MAGIC) !== MAGIC)
      throw new RegistryArgError('the handle does not hold a registry');
    return new ShardedRegistry<M>(
      handle,
      handle.tables.map((h) => Ets.attach<Row>(h)),
    );
  }

  handle(): RegistryHandle {
    return {
      kind: 'sharded-registry',
      name: this.name,
      control: this.ctl.buffer as SharedArrayBuffer,
      counters: this.counts.buffer as SharedArrayBuffer,
      tables: this.tableHandles,
      cacheEntries: this.cacheEntries,
    };
  }

  /** The current number of shards (the target while a reshard is running). */
  get shards(): number {
    return Atomics.load(this.ctl, (Atomics.load(this.ctl, C_EPOCH) & 1) === 0 ? C_CUR : C_NEXT);
  }

  /** The shard a name is placed on now. */
  shardOf(name: Name): number {
    return jumpHash(keyOf(name).hash, this.shards);
  }

  /** Local name of shard `i`'s supervisor. */
  shardName(i: number): string {
    return `${this.name}:shard:${i}`;
  }

  /** Local name of shard `i`'s process on scheduler `scheduler`. */
  shardProcessName(i: number, scheduler: number): string {
    return `${this.name}:shard:${i}@${scheduler}`;
  }

  /** Local name of the process that reshards. */
  coordinatorName(): string {
    return `${this.name}:reshard`;
  }

  // ---- the supervisor --------------------------------------------------------

  /** A child spec for any supervision tree: the registry's supervisor (see supervision.ts for its tree). */
  childSpec(id: string = this.name): ChildSpec {
    return { id, type: 'supervisor', shutdown: 'infinity', start: () => this.startSupervisor(true) };
  }

  /** Starts the registry's supervisor unlinked (outside a tree: scripts, tests). */
  async start(): Promise<Pid> {
    return this.startSupervisor(false);
  }

  /** Stops the supervisor `start()` started, and with it the shard processes (the tables and their names stay). */
  async stop(): Promise<void> {
    const sup = this.supervisor;
    if (sup === undefined) throw new NotRunningError('stop: the registry supervisor was not started on this scheduler');
    this.supervisor = undefined;
    await GenServer.stop(sup, 'shutdown');
  }

  private async startSupervisor(linked: boolean): Promise<Pid> {
    const spec = registrySpec(this as ShardedRegistry<unknown>, Atomics.load(this.ctl, C_CUR), this.schedulerCount);
    const pid = linked
      ? await Supervisor.startLink(spec, { name: this.name })
      : await Supervisor.start(spec, { name: this.name });
    this.supervisor = pid;
    return pid;
  }

  // ---- lookups -----------------------------------------------------------------

  /** The pid and meta registered under `name`, read from shared memory without a message. */
  whereis(name: Name): Registration<M> | undefined {
    if (--this.sampleIn === 0) return this.timedWhereis(name);
    return this.find(name);
  }

  /** One lookup in LOOKUP_SAMPLE_EVERY: timed for `registry:lookup` while someone listens on this thread's bus. */
  private timedWhereis(name: Name): Registration<M> | undefined {
    this.sampleIn = LOOKUP_SAMPLE_EVERY;
    let events;
    try {
      events = currentNode().events;
    } catch {
      return this.find(name); // no node on this thread
    }
    if (events.listenerCount('registry:lookup') === 0) return this.find(name);
    const start = performance.now();
    const found = this.find(name);
    events.emit('registry:lookup', {
      registry: this.name,
      durationMs: performance.now() - start,
      sampleEvery: LOOKUP_SAMPLE_EVERY,
    });
    return found;
  }

  private find(name: Name): Registration<M> | undefined {
    if (typeof name === 'string' && this.cacheEntries > 0) {
      const cache = this.cache;
      const at = cache.fresh(name, this.ctl);
      if (at >= 0) {
        // Counted apart from table reads (stats() adds them to lookups): the cache's hit rate.
        this.counts[this.slot + cache.sourceAt(at) * COUNTERS_PER_SHARD + 2]++;
        return cache.valueAt(at);
      }
    }
    if (typeof name === 'string') return this.lookup(name, name, hashString(name));
    const { key, hash } = keyOf(name);
    return this.lookup(name, key, hash);
  }

  private lookup(name: Name, key: string | Uint8Array, hash: number): Registration<M> | undefined {
    const ctl = this.ctl;
    for (;;) {
      const epoch = Atomics.load(ctl, C_EPOCH);
      if ((epoch & 1) === 0) {
        const shard = jumpHash(hash, Atomics.load(ctl, C_CUR));
        // Read before the table: a removal that lands after this read bumps the version past it.
        const version = Atomics.load(ctl, versionWord(shard));
        this.counts[this.slot + shard * COUNTERS_PER_SHARD]++;
        const row = this.tables[shard]!.lookup(key)[0];
        if (row !== undefined) {
          const value: Registration<M> = { pid: new Pid(row[1], row[2]), meta: row[3] as M | undefined };
          if (typeof name === 'string') this.cache.set(name, value, shard, version, epoch);
          return value;
        }
      } else {
        // A reshard copies a name to its new shard before deleting it from the old one: read old, then new.
        const from = jumpHash(hash, Atomics.load(ctl, C_PREV));
        const to = jumpHash(hash, Atomics.load(ctl, C_NEXT));
        this.counts[this.slot + from * COUNTERS_PER_SHARD]++;
        let row = this.tables[from]!.lookup(key)[0];
        if (row === undefined && to !== from) row = this.tables[to]!.lookup(key)[0];
        if (row !== undefined) return { pid: new Pid(row[1], row[2]), meta: row[3] as M | undefined };
      }
      // A miss counts only if placement did not change meanwhile.
      if (Atomics.load(ctl, C_EPOCH) === epoch) return undefined;
    }
  }

  /** Registrations by string prefix, by shard, or all. During a reshard each name appears once. */
  list(options: ListOptions = {}): Entry<M>[] {
    const { prefix, shard } = options;
    if (prefix !== undefined && typeof prefix !== 'string') throw new RegistryArgError('prefix must be a string');
    const current = this.shards;
    if (shard !== undefined && (!Number.isInteger(shard) || shard < 0 || shard >= current))
      throw new RegistryArgError(`shard must be an integer in 0..${current - 1}`);
    const seen = new Map<string, Entry<M>>();
    for (;;) {
      const epoch = Atomics.load(this.ctl, C_EPOCH);
      const migrating = (epoch & 1) === 1;
      const width = migrating
        ? Math.max(Atomics.load(this.ctl, C_PREV), Atomics.load(this.ctl, C_NEXT))
        : Atomics.load(this.ctl, C_CUR);
      // Names only move to tables already holding a copy, so a second pass finds any the first missed.
      for (let pass = 0; pass < (migrating ? 2 : 1); pass++) {
        for (let t = 0; t < width; t++) {
          for (const row of this.tables[t]!.tab2list()) {
            const key = row[0];
            if (prefix !== undefined && (typeof key !== 'string' || !key.startsWith(prefix))) continue;
            const id = keyId(key);
            if (seen.has(id)) continue;
            const placed = jumpHash(hashKey(key), current);
            if (shard !== undefined && placed !== shard) continue;
            seen.set(id, {
              name: (typeof key === 'string' ? key : row[4]) as Name,
              pid: new Pid(row[1], row[2]),
              meta: row[3] as M | undefined,
              shard: placed,
            });
          }
        }
      }
      if (migrating || Atomics.load(this.ctl, C_EPOCH) === epoch) return [...seen.values()];
      seen.clear();
    }
  }

  /** Registered names (exact: table sizes, or a de-duplicated scan during a reshard). */
  count(): number {
    for (;;) {
      const epoch = Atomics.load(this.ctl, C_EPOCH);
      if ((epoch & 1) === 1) return this.list().length;
      let n = 0;
      const shards = Atomics.load(this.ctl, C_CUR);
      for (let t = 0; t < shards; t++) n += this.tables[t]!.size;
      if (Atomics.load(this.ctl, C_EPOCH) === epoch) return n;
    }
  }

  /** Per shard: entries, and lookups and writes summed over every thread's counters. */
  stats(): ShardStats[] {
    const out: ShardStats[] = [];
    const shards = this.shards;
    const stride = this.maxShards * COUNTERS_PER_SHARD;
    const slots = Math.min(MAX_SLOTS, Atomics.load(this.ctl, C_NEXT_SLOT));
    for (let s = 0; s < shards; s++) {
      let lookups = 0;
      let writes = 0;
      let cacheHits = 0;
      for (let t = 0; t < slots; t++) {
        const cached = this.counts[t * stride + s * COUNTERS_PER_SHARD + 2]!;
        lookups += this.counts[t * stride + s * COUNTERS_PER_SHARD]! + cached;
        writes += this.counts[t * stride + s * COUNTERS_PER_SHARD + 1]!;
        cacheHits += cached;
      }
      out.push({ shard: s, entries: this.tables[s]!.size, lookups, writes, cacheHits });
    }
    return out;
  }

  /**
   * Resolves once every shard process (on every scheduler) has handled what
   * was sent to it before, and what this thread and the process's own thread
   * have queued for it: after a holder's exit has been observed, its names
   * are gone when this resolves. From any scheduler.
   */
  async settle(): Promise<void> {
    this.outbox.flush();
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < this.shards; i++) {
      for (let k = 0; k < this.schedulerCount; k++) {
        // A process that is restarting has nothing queued: its next incarnation reads the table.
        calls.push(
          GenServer.call(this.shardProcessName(i, k), 'watched' satisfies ShardCall, Infinity).catch(() => undefined),
        );
      }
    }
    await Promise.all(calls);
  }

  // ---- writes --------------------------------------------------------------------

  /**
   * Registers `name` for `pid` (any live process, on any scheduler) with
   * optional `meta`. Rejects with NameTakenError, BadNameError or DeadPidError,
   * and then nothing has changed. The pid is monitored: when it exits, the
   * name goes.
   */
  async registerName(name: Name, pid: Pid, meta?: M): Promise<void> {
    const key = typeof name === 'string' ? name : keyOf(name).key;
    checkEncodable(meta, 'meta');
    if (!isPid(pid)) throw new DeadPidError(pid);
    // A process of this thread is checked without a message; one on another scheduler is asked. Another
    // node's process is taken as alive: its monitor (through the distribution) answers noproc if it is not.
    const alive = pid.node !== currentNode().id || (isProcessAlive(pid) ?? (await processInfoAsync(pid)) !== undefined);
    if (!alive) throw new DeadPidError(pid);
    if (!this.tryAcquire()) await this.acquire();
    let shard: number;
    let holder: Row | undefined;
    try {
      shard = jumpHash(hashKey(key), Atomics.load(this.ctl, C_CUR));
      const table = this.tables[shard]!;
      const row: Row = [key, pid.node, pid.id, meta, typeof name === 'string' ? null : name];
      // Taken, unless its holder went between the insert and the read: then insert again.
      while (holder === undefined) {
        let inserted: boolean;
        try {
          inserted = table.insertNew(row);
        } catch (error) {
          if (error instanceof TypeError)
            throw new BadNameError(`msgpackr cannot encode the meta of ${describe(name)}`, error);
          throw error;
        }
        if (inserted) {
          this.counted(shard);
          break;
        }
        holder = table.lookup(key)[0];
      }
    } finally {
      this.release();
    }
    if (holder !== undefined) throw new NameTakenError(describe(name), new Pid(holder[1], holder[2]));
    this.tell(shard, pid, { op: 'watch', key, pid });
  }

  /**
   * Removes `name`. Called from a process, only the holder may; outside any
   * process (the node itself), anyone. Rejects with NotRegisteredError or
   * NotOwnerError, and then nothing has changed.
   */
  async unregisterName(name: Name): Promise<void> {
    const { key } = keyOf(name);
    const caller = currentPid(); // before any await: it is only set in the synchronous part of a callback
    if (!this.tryAcquire()) await this.acquire();
    let shard: number;
    let holder: Pid;
    try {
      shard = jumpHash(hashKey(key), Atomics.load(this.ctl, C_CUR));
      const table = this.tables[shard]!;
      const row = table.lookup(key)[0];
      if (row === undefined) throw new NotRegisteredError(describe(name));
      holder = new Pid(row[1], row[2]);
      if (caller !== undefined && !caller.equals(holder)) throw new NotOwnerError(describe(name), holder, caller);
      if (deleteIfHeld(table, key, holder)) this.wrote(shard);
    } finally {
      this.release();
    }
    this.tell(shard, holder, { op: 'unwatch', key, pid: holder });
  }

  // ---- what shard processes call (ShardHost) -----------------------------------------

  /** @internal A shard process removing the names of a process that exited: only rows still held by that pid go. */
  removeHeld(keys: Iterable<string | Uint8Array>, pid: Pid): void | Promise<void> {
    if (!this.tryAcquire()) return this.acquire().then(() => this.removeAcquired(keys, pid));
    this.removeAcquired(keys, pid);
  }

  private removeAcquired(keys: Iterable<string | Uint8Array>, pid: Pid): void {
    try {
      const shards = Atomics.load(this.ctl, C_CUR);
      for (const key of keys) {
        const shard = jumpHash(hashKey(key), shards);
        if (deleteIfHeld(this.tables[shard]!, key, pid)) this.wrote(shard);
      }
    } finally {
      this.release();
    }
  }

  /** @internal Whether `pid` holds `key` in table `index` (a shard process checking a note against the table). */
  holds(index: number, key: string | Uint8Array, pid: Pid): boolean {
    const row = this.tables[index]!.lookup(key)[0];
    return row !== undefined && row[1] === pid.node && row[2] === pid.id;
  }

  /** @internal The rows of table `index` (a shard process rebuilding its monitors). */
  rowsOf(index: number): Row[] {
    return this.tables[index]!.tab2list();
  }

  /** @internal What this thread has queued for shard `index`'s process on `scheduler` (that process takes it when asked to settle). */
  drain(index: number, scheduler: number): ShardOp[] {
    return this.outbox.drain(index, scheduler);
  }

  /** @internal A new incarnation of shard `index`'s process on `scheduler`: writers resolve it by name again. */
  started(index: number, scheduler: number): void {
    Atomics.add(this.ctl, generationWord(this.maxShards, this.schedulerCount, index, scheduler), 1);
  }

  /** A write that added a name: it counts, but no cached answer can be stale for it (caches hold names found, never misses). */
  private counted(shard: number): void {
    this.counts[this.slot + shard * COUNTERS_PER_SHARD + 1]++;
  }

  /** A write that removed a name: it counts, and answers cached from that table before it are no longer valid. */
  private wrote(shard: number): void {
    Atomics.add(this.ctl, versionWord(shard), 1);
    this.counted(shard);
  }

  /** Tells shard `shard`'s process on the holder's scheduler, so the monitor is taken where the holder runs. */
  private tell(shard: number, holder: Pid, op: ShardOp): void {
    this.outbox.tell(shard, watcherScheduler(holder), op);
  }

  private tryAcquire(): boolean {
    const ctl = this.ctl;
    if ((Atomics.load(ctl, C_EPOCH) & 1) === 1) return false;
    Atomics.add(ctl, this.writers, 1);
    if ((Atomics.load(ctl, C_EPOCH) & 1) === 0) return true;
    Atomics.sub(ctl, this.writers, 1);
    return false;
  }

  /** Enters a write; waits (without blocking the thread) while a reshard moves names. */
  private async acquire(): Promise<void> {
    while (!this.tryAcquire()) await sleep(1);
  }

  private release(): void {
    Atomics.sub(this.ctl, this.writers, 1);
  }

  // ---- resharding ------------------------------------------------------------------

  /**
   * Grows or shrinks the number of shards to `shards` while lookups go on,
   * from any scheduler: the registry's resharding process does the move,
   * one reshard at a time. Writes wait during the move; no registration is
   * lost or duplicated. Rejects with RegistryArgError, NotRunningError (the
   * registry's supervisor is not running, or stopped during the move: then
   * `shards` says whether it took effect) or ReshardFailedError (and then
   * every name is where it was).
   */
  async reshard(shards: number): Promise<void> {
    if (!Number.isInteger(shards) || shards < 1 || shards > this.maxShards)
      throw new RegistryArgError(`shards must be an integer in 1..${this.maxShards}`);
    let outcome: ReshardReply;
    try {
      outcome = await GenServer.call(GenServer.ref(coordinator, this.coordinatorName()), { shards }, Infinity);
    } catch (error) {
      if (error instanceof NoProcError) throw new NotRunningError(`reshard: the registry ${this.name} is not running`);
      // Stopped during the move: names are back where they were, unless the new count was published first.
      if (error instanceof CallExitError)
        throw new NotRunningError(
          `reshard: the registry ${this.name} stopped during the reshard (its shard count says whether the move took effect)`,
        );
      throw error;
    }
    if ('error' in outcome) throw new ReshardFailedError(shards, outcome.error);
  }

  /** @internal Run by the resharding process, on the supervisor's scheduler. */
  async moveTo(shards: number): Promise<void> {
    const supervisor = whereis(this.name);
    if (supervisor === undefined) throw new NotRunningError(`reshard: the registry ${this.name} is not running`);
    const mover = currentPid(); // the resharding process (this runs in the synchronous part of its call)
    await moveShards(
      {
        ctl: this.ctl,
        tables: this.tables,
        supervisor,
        spec: (i) => shardSpec(this as ShardedRegistry<unknown>, i, this.schedulerCount),
        resync: (i) => this.resync(i),
        writing: () => this.writing(),
        running: () => mover === undefined || isProcessAlive(mover) !== false,
      },
      shards,
    );
  }

  /**
   * Whether a live thread is inside a write (each counts its own; a reshard sums them). A
   * thread that died inside one (a scheduler's) never counts down, and writes no more.
   */
  private writing(): boolean {
    const slots = Math.min(MAX_SLOTS, Atomics.load(this.ctl, C_NEXT_SLOT));
    for (let t = 0; t < slots; t++) {
      const word = writerWord(this.maxShards, this.schedulerCount, t);
      if (Atomics.load(this.ctl, word) === 0) continue;
      const thread = Atomics.load(this.ctl, word + WRITER_THREAD) - 1;
      if (thread < 0 || Ets.registry.status(thread) !== 'dead') return true;
    }
    return false;
  }

  /** Has every process of shard `index` rebuild its monitors from its table. */
  private async resync(index: number): Promise<void> {
    for (let k = 0; k < this.schedulerCount; k++) {
      try {
        await GenServer.call(this.shardProcessName(index, k), 'resync' satisfies ShardCall, Infinity);
      } catch (error) {
        // Restarting: the next incarnation reads the table.
        if (!(error instanceof NoProcError || error instanceof CallExitError)) throw error;
      }
    }
  }
}
