/**
 * @erlmcp/ets-optimizer: ETS tables made of shards, with hot/cold tiers,
 * deduplicated strings, trained compression and compaction.
 */
export { OptimizedTable, SHARD_SEED } from './optimized-table';
export type { OptimizedTableHandle } from './parts';
export { DEFAULT_SHARDS, MAX_SHARDS, type CompactionOptions, type CompressionOptions, type DedupOptions, type HotColdOptions, type OptimizedTableOptions } from './options';
export { InvalidOptionError, OptimizerError, UnencodableValueError } from './errors';
// What a table returns past its last key, as @erlmcp/ets.
export { END_OF_TABLE } from '@erlmcp/ets';
