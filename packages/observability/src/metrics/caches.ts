/**
 * Cache families: the hot/cold tiers of ets-optimizer tables, read from the counters every
 * thread keeps in the table's shared memory when Prometheus scrapes. Nothing is counted on
 * the read path for this: the table counts its hits for its own tiering.
 */
import { Counter, type Registry } from 'prom-client';
import type { MetricSources } from './sources';

export function cacheFamilies(registers: Registry[], sources: MetricSources): void {
  new Counter({
    name: 'erlmcp_cache_reads_total',
    help: 'Reads of an ets-optimizer table with hot/cold tiers, by table (cache) and result: hot (served from the hot tier), cold (decoded from the cold tier) or miss (no such key). Counted by every thread.',
    labelNames: ['cache', 'result'],
    registers,
    collect() {
      this.reset();
      for (const cache of sources.caches ?? []) {
        const r = cache.hitRates();
        this.inc({ cache: cache.name, result: 'hot' }, r.hotHits);
        this.inc({ cache: cache.name, result: 'cold' }, r.coldHits);
        this.inc({ cache: cache.name, result: 'miss' }, r.misses);
      }
    },
  });
  new Counter({
    name: 'erlmcp_cache_tier_moves_total',
    help: 'Records an ets-optimizer table moved between tiers, by table (cache) and direction (promotion: cold to hot; demotion: hot to cold).',
    labelNames: ['cache', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const cache of sources.caches ?? []) {
        const r = cache.hitRates();
        this.inc({ cache: cache.name, direction: 'promotion' }, r.promotions);
        this.inc({ cache: cache.name, direction: 'demotion' }, r.demotions);
      }
    },
  });
}
