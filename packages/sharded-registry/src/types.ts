/**
 * Public types of @erlmcp/sharded-registry.
 */
import type { Pid } from '@erlmcp/otp';
import type { TableHandle } from '@erlmcp/ets';
import type { Name } from './names';

export type { Name } from './names';

export interface RegistryOptions {
  /** Local name of the registry's supervisor; its shards are `<name>:shard:<i>`. Default: a unique name. */
  name?: string;
  /** Shard processes (and tables) at start. Default: twice the node's schedulers. */
  shards?: number;
  /** The most shards a reshard may grow to: this many tables are reserved up front. Default: max(64, shards). */
  maxShards?: number;
  /** Largest size each shard table may grow to, in bytes. Default 64 MiB. */
  tableBytes?: number;
  /** Per-thread lookup cache size (entries) before it is cleared. Default 1,000,000; 0 turns the cache off. */
  cacheEntries?: number;
}

/** What `whereis` returns. Shared between lookups of one thread: treat it as read-only. */
export interface Registration<M = unknown> {
  readonly pid: Pid;
  readonly meta: M | undefined;
}

export interface Entry<M = unknown> extends Registration<M> {
  readonly name: Name;
  readonly shard: number;
}

export interface ListOptions {
  /** Only string names starting with this prefix. */
  prefix?: string;
  /** Only the names placed on this shard. */
  shard?: number;
}

/** Counted, never estimated: entries is the table's size, lookups and writes are summed per-thread counters. */
export interface ShardStats {
  shard: number;
  entries: number;
  lookups: number;
  writes: number;
  /** Of the lookups, those the calling thread's cache answered (no table read). */
  cacheHits: number;
}

/** `registry.handle()`: plain data and SharedArrayBuffers, sent in a message to attach on another scheduler. */
export interface RegistryHandle {
  readonly kind: 'sharded-registry';
  readonly name: string;
  readonly control: SharedArrayBuffer;
  readonly counters: SharedArrayBuffer;
  readonly tables: readonly TableHandle[];
  readonly cacheEntries: number;
}
