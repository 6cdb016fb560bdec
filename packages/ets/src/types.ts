/**
 * Public types of @erlmcp/ets.
 */
import type { Pid } from '@erlmcp/otp';
import type { ArenaHandle, ThreadRegistry } from '@erlmcp/shm';
import type { Access, TableType } from './layout';

export type { Access, TableType } from './layout';

/** A stored object: a tuple, i.e. an array whose element `keyPos` (1-based) is the key. */
export type Tuple = unknown[];

export interface HeirSpec {
  pid: Pid;
  /** Sent back to the heir in the ETS-TRANSFER message. */
  data?: unknown;
}

export interface TableOptions {
  /** Default 'set'. */
  type?: TableType;
  /** Default 'protected': anyone reads, only the owner writes. */
  access?: Access;
  /** Register the name so `Ets.whereis(name)` finds the table (in this thread). Default false. */
  named?: boolean;
  /** 1-based position of the key in each tuple. Default 1. */
  keyPos?: number;
  /** Readers validate against a seqlock instead of taking the stripe's mutex. Default false. */
  readConcurrency?: boolean;
  /**
   * Up to this many keys' objects kept decoded, per thread, for lookup,
   * lookupElement and member: a hit is answered without reading the record
   * while the key's stripe has not been written since (any write to the
   * stripe makes its entries stale). Objects from the cache are deep-frozen
   * and the same object is returned to every caller. Objects holding a Map,
   * Set, Date, typed array or class instance are not cached. Default 0 (off).
   */
  readCache?: number;
  /** 16 lock stripes instead of 1, each with its own index and allocator. Default false. */
  writeConcurrency?: boolean;
  /** Who inherits the table when its owner exits. Default 'none'. */
  heir?: HeirSpec | 'none';
  /** The most memory the table's arena may grow to. Default 256 MiB, at most 1 GiB. */
  maxBytes?: number;
  /** Initial arena size. Default 64 KiB. */
  initialBytes?: number;
  /** Thread registry used to recover locks of dead threads. Default `Ets.registry`. */
  registry?: ThreadRegistry;
}

/** `table.handle()`: a plain object to post to a worker, where `Ets.attach(handle)` rebuilds the table. */
export interface TableHandle {
  readonly kind: 'ets-table';
  readonly name: string;
  readonly control: SharedArrayBuffer;
  readonly arena: ArenaHandle;
}

/** The owner: a process, or the node itself (tables created outside any process). */
export type Owner = Pid | 'node';

export interface TableInfo {
  id: number;
  name: string;
  named: boolean;
  type: TableType;
  keyPos: number;
  access: Access;
  owner: Owner;
  heir: Pid | 'none';
  readConcurrency: boolean;
  writeConcurrency: boolean;
  /** The readCache option: keys cached per thread (0 = off). */
  readCache: number;
  /** Lock stripes (1, or 16 with writeConcurrency). */
  stripes: number;
  /** Objects stored. */
  size: number;
  /** Bytes in use: records, indexes, free space inside chunks excluded. */
  memory: number;
  /** Bytes the table can reuse without growing: freed records, chunk tails, the arena's free space. */
  freeBytes: number;
  /** Bytes reserved so far (control buffer plus arena buffer). */
  capacity: number;
  maxBytes: number;
  /** Stripe repairs after a writer thread died holding a lock. */
  repairs: number;
}

/** `{ pos, incr }`, with an optional threshold and the value to reset to past it (ETS's {Pos, Incr, Threshold, SetValue}). */
export interface CounterOp {
  pos: number;
  incr: number;
  threshold?: number;
  setValue?: number;
}

/** The message a new owner receives (giveAway, or as heir when the owner exits). */
export interface EtsTransferMessage<T extends Tuple = Tuple> {
  type: 'ETS-TRANSFER';
  // type cycle: a handle names its Table's type; table.ts and the engine import these types back.
  table: import('./table').Table<T>;
  from: Owner;
  heirData: unknown;
}

export interface SelectOptions {
  /** Stop after this many results. */
  limit?: number;
  /** ordered_set only: restrict to keys in this range (inclusive bounds `gte`/`lte`, exclusive `gt`/`lt`). */
  range?: KeyRange;
  /** ordered_set only: walk from the highest key down. */
  reverse?: boolean;
}

export interface KeyRange {
  gte?: unknown;
  gt?: unknown;
  lte?: unknown;
  lt?: unknown;
}
