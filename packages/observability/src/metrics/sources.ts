/**
 * What the metrics read besides the event bus: the stats functions of the packages an
 * application runs. Each is typed by the few members read, so observability needs none of
 * those packages at run time, and any object with the same shape can stand in.
 */

/** An MCP SessionHost (`@erlmcp/mcp`): its live session count. */
export interface SessionCountSource {
  readonly sessionCount: number;
}

/** A ShardedRegistry (`@erlmcp/sharded-registry`): per-shard entries and counted operations. */
export interface RegistrySource {
  readonly name: string;
  stats(): ReadonlyArray<{ shard: number; entries: number; lookups: number; writes: number; cacheHits?: number }>;
}

/** A FlashAttention server's `stats()` (`@erlmcp/flash-attention-stream`), the parts exported. */
export interface AttentionSource {
  /** Label value for this server. */
  readonly name: string;
  stats(): Promise<{
    requests: { started: number; completed: number; failed: number; aborted: number; running: number };
    rows: number;
    flops: number;
    retriedTasks: number;
  }>;
}

/** An ets-optimizer OptimizedTable with hot/cold tiers (`@erlmcp/ets-optimizer`): its counted reads. */
export interface CacheSource {
  readonly name: string;
  hitRates(): { hotHits: number; coldHits: number; misses: number; promotions: number; demotions: number };
}

export interface MetricSources {
  sessions?: SessionCountSource;
  registries?: RegistrySource[];
  attention?: AttentionSource[];
  /** Tables whose hot/cold hit rates to expose (an OptimizedTable fits). */
  caches?: CacheSource[];
}
