/**
 * @erlmcp/ets-optimizer: ETS tables made of shards, with hot/cold tiers,
 * deduplicated strings, trained compression and compaction.
 */
export { OptimizedTable, SHARD_SEED, type StoreStats } from './optimized-table';
export type { OptimizedTableHandle } from './parts';
export type { MaintenanceOptions, MaintenanceReport } from './maintenance';
export type { MemoryReport, TableBytes } from './memory-report';
export type { CacheCount } from './cache-count';
export type { CompactionReport, ShardFragmentation } from './compaction';
export type { RepairReport } from './repair';
export type { HitRates } from './access-stats';
export { ownerServer, type OwnerCall, type OwnerOptions, type OwnerStats } from './owner-server';
export {
  sessionWorkload,
  skewedIndexes,
  toolCatalog,
  prng,
  type SessionWorkload,
  type ToolDef,
} from './session-workload';
export {
  DEFAULT_SHARDS,
  MAX_SHARDS,
  type CompactionOptions,
  type CompressionOptions,
  type DedupOptions,
  type HotColdOptions,
  type OptimizedTableOptions,
} from './options';
export { InvalidOptionError, OptimizerError } from './errors';
// What a table returns past its last key, as @erlmcp/ets.
export { END_OF_TABLE } from '@erlmcp/ets';
