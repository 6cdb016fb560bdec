/**
 * The tables an optimized table is made of, created together (and all
 * deleted again if one cannot be: nothing half-created) or attached in
 * another thread from a handle:
 *
 *   <name>            the anchor: holds no objects; its owner, heir and access are the table's
 *   <name>/shard-<i>  the shards: [key, payload] records (stored.ts)
 *   <name>/...        the shared stores of the cold form (stores.ts)
 */
import { BadArgError, Ets, type Table, type TableHandle, type TableType } from '@erlmcp/ets';
import { resolveOptions, type ResolvedOptions } from './options';
import { randomUUID } from 'node:crypto';
import { AccessStats } from './access-stats';
import { ShardDirectory, type DirectoryHandle } from './shard-directory';
import type { ColdForm } from './stored';
import { createStores, attachStores, type Stores, type StoresHandle } from './stores';

export interface TableParts {
  readonly name: string;
  readonly options: ResolvedOptions;
  readonly anchor: Table;
  readonly shards: Table[];
  readonly stores: Stores | null;
  readonly cold: ColdForm | null;
  /** Reads recorded for the hot/cold policy (null without hotCold or a cold form). */
  readonly access: AccessStats | null;
  /** Which table is each shard's now, and the gates compaction shuts (shard-directory.ts). */
  readonly directory: ShardDirectory;
  /** Old shard tables a compaction switched away from, deleted by this thread's next compaction (a grace period for readers still in them). */
  readonly retired: Table[];
  /** Every table but the anchor. */
  internal(): Table[];
}

/** `table.handle()`: plain data to post to a worker, where `OptimizedTable.attach(handle)` gives the same table. */
export interface OptimizedTableHandle {
  readonly kind: 'ets-optimizer';
  readonly name: string;
  readonly options: Omit<ResolvedOptions, 'heir'>;
  readonly anchor: TableHandle;
  readonly shards: TableHandle[];
  readonly stores: StoresHandle | null;
  readonly access: SharedArrayBuffer | null;
  readonly directory: DirectoryHandle;
}

const ANCHOR_BYTES = 256 * 1024;
const SHARD_INITIAL_BYTES = 64 * 1024;

function parts(
  name: string,
  options: ResolvedOptions,
  anchor: Table,
  shards: Table[],
  stores: Stores | null,
  accessBuffer?: SharedArrayBuffer,
  directory?: DirectoryHandle,
): TableParts {
  const tiered = stores !== null && options.hotCold !== null;
  return {
    directory: new ShardDirectory(
      shards,
      directory?.channel ?? `ets-optimizer:${anchor.id}:${randomUUID()}`,
      directory,
    ),
    retired: [],
    name,
    options,
    anchor,
    shards,
    stores,
    cold: stores?.cold ?? null,
    access: tiered ? new AccessStats(accessBuffer) : null,
    internal: () => [...shards, ...(stores?.tables() ?? [])],
  };
}

export function createParts(name: string, rawOptions: unknown): TableParts {
  const options = resolveOptions(name, rawOptions);
  const made: Table[] = [];
  const heir = options.heir === undefined ? {} : { heir: options.heir };
  const make = (
    tname: string,
    type: TableType,
    maxBytes: number,
    initialBytes: number,
    access: Table['access'] = 'public',
  ): Table => {
    const t = Ets.new(tname, {
      type,
      access,
      readConcurrency: true,
      writeConcurrency: true,
      maxBytes,
      initialBytes,
      ...heir,
    });
    made.push(t);
    return t;
  };
  try {
    const anchor = make(name, 'set', ANCHOR_BYTES, 0, options.access);
    const shards = Array.from({ length: options.shards }, (_, i) =>
      make(`${name}/shard-${i}`, options.type, options.shardBytes, SHARD_INITIAL_BYTES),
    );
    const stores = createStores(name, options, (tname, type, maxBytes) =>
      make(tname, type, maxBytes, SHARD_INITIAL_BYTES),
    );
    return parts(name, options, anchor, shards, stores);
  } catch (error) {
    for (const t of made.reverse()) if (!t.deleted) Ets.delete(t);
    throw error;
  }
}

export function partsHandle(p: TableParts): OptimizedTableHandle {
  const { heir: _heir, ...options } = p.options;
  return {
    kind: 'ets-optimizer',
    name: p.name,
    options,
    anchor: p.anchor.handle(),
    shards: p.shards.map((s) => s.handle()),
    stores: p.stores?.handle() ?? null,
    access: p.access?.buffer ?? null,
    directory: p.directory.handle(),
  };
}

export function attachParts(handle: OptimizedTableHandle): TableParts {
  if (handle === null || typeof handle !== 'object' || handle.kind !== 'ets-optimizer' || !Array.isArray(handle.shards))
    throw new BadArgError('not an optimized table handle');
  const options: ResolvedOptions = { ...handle.options, heir: undefined };
  const anchor = Ets.attach(handle.anchor);
  const shards = handle.shards.map((h) => Ets.attach(h));
  const stores = handle.stores === null ? null : attachStores(handle.name, options, handle.stores);
  return parts(handle.name, options, anchor, shards, stores, handle.access ?? undefined, handle.directory);
}

/** Deletes every table of `p` (the caller must be allowed to write it). */
export function deleteParts(p: TableParts): void {
  p.directory.sync();
  for (const t of [...p.internal(), ...p.retired.splice(0)]) if (!t.deleted) Ets.delete(t);
  p.directory.close();
  if (!p.anchor.deleted) Ets.delete(p.anchor);
}
