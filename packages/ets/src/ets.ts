/**
 * The Ets module: creating, finding, attaching and deleting tables.
 *
 * Names and the list of tables are per thread (each thread registers the
 * tables it created or attached). The tables themselves are shared memory.
 */
import { currentPid } from '@erlmcp/otp';
import { Arena, ThreadRegistry } from '@erlmcp/shm';
import { threadId, type Worker } from 'node:worker_threads';
import { BadArgError, NoSuchTableError, TableNameTakenError } from './errors';
import { isShared } from './value-codec';
import {
  ACCESSES,
  F_NAMED,
  F_READ_CONCURRENCY,
  F_WRITE_CONCURRENCY,
  H_ACCESS,
  H_FLAGS,
  H_KEYPOS,
  H_MAGIC,
  H_MAX_BYTES,
  H_READ_CACHE,
  H_OWNER_ID,
  H_STRIPES,
  H_TABLE_ID,
  H_TYPE,
  MAGIC,
  TYPES,
  controlWords,
} from './layout';
import * as ownership from './ownership';
import { Table, type TableHooks } from './table';
import type { TableHandle, TableOptions, Tuple } from './types';

/** Stripes with writeConcurrency. */
export const WRITE_CONCURRENCY_STRIPES = 16;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const MIN_MAX_BYTES = 256 * 1024;
const ARENA_LIMIT = 1 << 30;
/** readCache's ceiling: keys per thread (a cache of 2^24 keys is a 512 MiB JS array). */
const MAX_READ_CACHE = 1 << 24;

const named = new Map<string, Table<Tuple>>();
const byControl = new WeakMap<SharedArrayBuffer, Table<Tuple>>();
const tables = new Set<Table<Tuple>>();
let registry: ThreadRegistry | undefined;
let nextId = 1;

const hooks: TableHooks = {
  giveAway: (table, pid, gift) => ownership.giveAway(table, pid, gift, orphaned),
  setHeir: (table, heir) => ownership.setHeir(table, heir),
  heir: (table) => ownership.heirOf(table),
};

function orphaned(table: Table<Tuple>): void {
  if (table.markDeleted()) forget(table);
}

function forget(table: Table<Tuple>): void {
  tables.delete(table);
  if (named.get(table.name) === table) named.delete(table.name);
  ownership.forget(table);
}

function register(table: Table<Tuple>): void {
  tables.add(table);
  byControl.set(table.handle().control, table);
  claimName(table);
}

/** The live table registered under `name` in this thread, if any (a deleted one is forgotten). */
function holderOf(name: string): Table<Tuple> | undefined {
  const holder = named.get(name);
  if (holder !== undefined && holder.deleted) {
    forget(holder);
    return undefined;
  }
  return holder;
}

/**
 * Registers a named table's name unless another live table holds it: as in
 * ETS, where a named_table name is unique per node, a name stays with its
 * table until that table is deleted.
 */
function claimName(table: Table<Tuple>): void {
  if (table.named && holderOf(table.name) === undefined) named.set(table.name, table);
}

export class Ets {
  /**
   * Creates a table owned by the calling process (`currentPid()`), or by the
   * node itself outside any process. Synchronous: keys are hashed with a
   * built-in XXH32, so there is nothing to initialise first.
   */
  static new<T extends Tuple = Tuple>(name: string, options: TableOptions = {}): Table<T> {
    if (typeof name !== 'string' || name.length === 0) throw new BadArgError('a table name is a non-empty string');
    const type = options.type ?? 'set';
    const access = options.access ?? 'protected';
    const keyPos = options.keyPos ?? 1;
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!TYPES.includes(type)) throw new BadArgError(`unknown table type ${String(type)}`);
    if (!ACCESSES.includes(access)) throw new BadArgError(`unknown access ${String(access)}`);
    if (!Number.isInteger(keyPos) || keyPos < 1 || keyPos > 1 << 20)
      throw new BadArgError(`keyPos must be a positive integer, got ${keyPos}`);
    if (!Number.isInteger(maxBytes) || maxBytes < MIN_MAX_BYTES || maxBytes > ARENA_LIMIT) {
      throw new BadArgError(`maxBytes must be an integer in ${MIN_MAX_BYTES}..${ARENA_LIMIT}`);
    }
    const initialBytes = options.initialBytes ?? 64 * 1024;
    if (!Number.isSafeInteger(initialBytes) || initialBytes < 0)
      throw new BadArgError(`initialBytes must be a non-negative integer, got ${String(initialBytes)}`);
    const readCache = options.readCache ?? 0;
    if (!Number.isInteger(readCache) || readCache < 0 || readCache > MAX_READ_CACHE) {
      throw new BadArgError(`readCache must be an integer in 0..${MAX_READ_CACHE}, got ${String(readCache)}`);
    }
    if (options.heir !== undefined) ownership.checkHeir(options.heir);
    if (options.named === true && holderOf(name) !== undefined) throw new TableNameTakenError(name);
    const stripes = options.writeConcurrency === true ? WRITE_CONCURRENCY_STRIPES : 1;
    const control = new SharedArrayBuffer(controlWords(stripes) * 4);
    const ctl = new Int32Array(control);
    ctl[H_TYPE] = TYPES.indexOf(type);
    ctl[H_KEYPOS] = keyPos;
    ctl[H_ACCESS] = ACCESSES.indexOf(access);
    ctl[H_FLAGS] =
      (options.readConcurrency === true ? F_READ_CONCURRENCY : 0) |
      (options.writeConcurrency === true ? F_WRITE_CONCURRENCY : 0) |
      (options.named === true ? F_NAMED : 0);
    ctl[H_STRIPES] = stripes;
    ctl[H_MAX_BYTES] = maxBytes;
    ctl[H_READ_CACHE] = readCache;
    ctl[H_OWNER_ID] = -1;
    ctl[H_TABLE_ID] = ((threadId & 0x7ff) << 20) | (nextId++ & 0xfffff);
    Atomics.store(ctl, H_MAGIC, MAGIC);
    const reg = options.registry ?? Ets.registry;
    const arena = Arena.create({ maxBytes, initialBytes, registry: reg });
    const table = new Table<Tuple>(control, arena, name, hooks, reg);
    ownership.assignOwner(table, currentPid() ?? 'node', orphaned);
    if (options.heir !== undefined) ownership.setHeir(table, options.heir);
    register(table);
    return table as unknown as Table<T>;
  }

  /**
   * The table behind a handle posted from another thread (the same instance
   * if already attached here). A named table takes its name in this thread
   * (`whereis`) only if no other live table holds it here: names are per
   * thread, so two threads can each have a table of one name, and attaching
   * the second never moves the name from the first (whose `Ets.new` would
   * have been refused). Attaching again once the name is free takes it.
   */
  static attach<T extends Tuple = Tuple>(handle: TableHandle): Table<T> {
    if (handle === null || typeof handle !== 'object' || handle.kind !== 'ets-table' || typeof handle.name !== 'string')
      throw new BadArgError('not a table handle');
    const known = byControl.get(handle.control);
    if (known !== undefined && !known.deleted) {
      claimName(known);
      return known as unknown as Table<T>;
    }
    const control: unknown = handle.control;
    if (!isShared(control) || control.byteLength < controlWords(1) * 4)
      throw new BadArgError('the handle does not hold a table');
    const ctl = new Int32Array(control);
    const stripes = ctl[H_STRIPES];
    if (
      Atomics.load(ctl, H_MAGIC) !== MAGIC ||
      (stripes !== 1 && stripes !== WRITE_CONCURRENCY_STRIPES) ||
      control.byteLength < controlWords(stripes) * 4
    ) {
      throw new BadArgError('the handle does not hold a table');
    }
    let arena: Arena;
    let reg: ThreadRegistry | undefined;
    try {
      arena = Arena.attach(handle.arena);
      reg = handle.arena.registry === undefined ? undefined : ThreadRegistry.attach(handle.arena.registry);
    } catch (error) {
      // A LayoutError (a buffer that is not an arena or registry), or a TypeError (no arena at all).
      throw new BadArgError(`the handle does not hold a table's memory: ${(error as Error).message}`, { cause: error });
    }
    // A thread that attaches before creating anything adopts the creator's registry,
    // so `Ets.watch` here marks deaths where this table's locks look.
    if (registry === undefined && reg !== undefined) registry = reg;
    const table = new Table<Tuple>(control, arena, handle.name, hooks, reg);
    register(table);
    return table as unknown as Table<T>;
  }

  /** The named table registered in this thread, or undefined. */
  static whereis<T extends Tuple = Tuple>(name: string): Table<T> | undefined {
    return holderOf(name) as unknown as Table<T> | undefined;
  }

  /** A table, or the named table with this name (NoSuchTableError if there is none). */
  static table<T extends Tuple = Tuple>(tab: Table<T> | string): Table<T> {
    if (typeof tab !== 'string') return tab;
    const table = Ets.whereis<T>(tab);
    if (table === undefined) throw new NoSuchTableError(tab);
    return table;
  }

  /** Deletes a table (ets:delete/1). Needs write access. Every thread's view of it then throws TableDeletedError. */
  static delete<T extends Tuple>(tab: Table<T> | string): true {
    const table = Ets.table(tab) as unknown as Table<Tuple>;
    table.checkDeletable();
    if (table.markDeleted()) forget(table);
    return true;
  }

  /** Live tables this thread created or attached. */
  static all(): Table<Tuple>[] {
    const out: Table<Tuple>[] = [];
    for (const t of tables) {
      if (t.deleted) forget(t);
      else out.push(t);
    }
    return out;
  }

  /**
   * The thread registry tables use (by default) to recover locks held by dead
   * threads: the thread's `ThreadRegistry.shared()`, where an @erlmcp/otp node
   * records the deaths of its scheduler threads. Watch every other worker that
   * touches tables: `Ets.watch(worker)`.
   */
  static get registry(): ThreadRegistry {
    return (registry ??= ThreadRegistry.shared());
  }

  /** Marks the worker dead in `Ets.registry` when it exits, so its locks can be recovered. */
  static watch(worker: Worker): Worker {
    return Ets.registry.watch(worker);
  }
}
