/**
 * Quality families: the message batcher's batches and token counts (from `batcher:batch`
 * events), the sharded registry's counted operations, the attention server's work, and
 * attention speedups an application measured.
 */
import type { BatchEvent } from '@erlmcp/message-batcher';
import type { Node } from '@erlmcp/otp';
import { Counter, Gauge, type Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './children';
import { LATENCY_BUCKETS } from './mcp';
import type { MetricSources } from './sources';

export function qualityFamilies(
  node: Node,
  registers: Registry[],
  sources: MetricSources,
): { stop: () => void; speedup: Gauge<'kernel'> } {
  const batches = new FastCounter(
    'erlmcp_batcher_batches_total',
    'Batches a message batcher finished, by batcher and outcome (answered, failed, timeout).',
    ['batcher', 'outcome'],
    registers,
  );
  const items = new FastCounter(
    'erlmcp_batcher_items_total',
    'Items in finished batches, by batcher.',
    ['batcher'],
    registers,
  );
  const latency = new FastHistogram(
    'erlmcp_batcher_batch_duration_seconds',
    "A batch's time at its sink, by batcher.",
    ['batcher'],
    LATENCY_BUCKETS,
    registers,
  );
  const tokens = new FastCounter(
    'erlmcp_batcher_tokens_total',
    'Tokens counted by the tokenizer for LLM batches: as sent batched, and as the same items would have been sent one by one (request=batched|individual; direction=input|output).',
    ['batcher', 'request', 'direction'],
    registers,
  );
  const onBatch = (e: BatchEvent): void => {
    batches.inc([e.batcher, e.outcome]);
    items.inc([e.batcher], e.size);
    latency.observe([e.batcher], e.latencyMs / 1000);
    const t = e.tokens;
    if (t !== undefined) {
      tokens.inc([e.batcher, 'individual', 'input'], t.individualInput);
      tokens.inc([e.batcher, 'batched', 'input'], t.batchedInput);
      // Output counts are reported by some sinks only.
      if (t.individualOutput !== undefined) tokens.inc([e.batcher, 'individual', 'output'], t.individualOutput);
      if (t.batchedOutput !== undefined) tokens.inc([e.batcher, 'batched', 'output'], t.batchedOutput);
    }
  };
  node.events.on('batcher:batch', onBatch);

  new Counter({
    name: 'erlmcp_registry_operations_total',
    help: "A sharded registry's lookups and writes, per shard, summed over every thread's counters.",
    labelNames: ['registry', 'shard', 'operation'],
    registers,
    collect() {
      this.reset();
      for (const registry of sources.registries ?? []) {
        for (const s of registry.stats()) {
          this.inc({ registry: registry.name, shard: String(s.shard), operation: 'lookup' }, s.lookups);
          this.inc({ registry: registry.name, shard: String(s.shard), operation: 'write' }, s.writes);
        }
      }
    },
  });
  new Counter({
    name: 'erlmcp_registry_cache_hits_total',
    help: "A sharded registry's lookups answered by the calling thread's cache without a table read, per shard, summed over every thread's counters (a part of the lookups in erlmcp_registry_operations_total).",
    labelNames: ['registry', 'shard'],
    registers,
    collect() {
      this.reset();
      for (const registry of sources.registries ?? [])
        for (const s of registry.stats())
          if (s.cacheHits !== undefined) this.inc({ registry: registry.name, shard: String(s.shard) }, s.cacheHits);
    },
  });
  new Gauge({
    name: 'erlmcp_registry_entries',
    help: 'Names registered in a sharded registry, per shard.',
    labelNames: ['registry', 'shard'],
    registers,
    collect() {
      this.reset();
      for (const registry of sources.registries ?? [])
        for (const s of registry.stats()) this.set({ registry: registry.name, shard: String(s.shard) }, s.entries);
    },
  });
  new Counter({
    name: 'erlmcp_attention_requests_total',
    help: "An attention server's requests, by outcome (started, completed, failed, aborted).",
    labelNames: ['server', 'outcome'],
    registers,
    async collect() {
      this.reset();
      for (const a of sources.attention ?? []) {
        const { requests } = await a.stats();
        for (const outcome of ['started', 'completed', 'failed', 'aborted'] as const)
          this.inc({ server: a.name, outcome }, requests[outcome]);
      }
    },
  });
  new Counter({
    name: 'erlmcp_attention_rows_total',
    help: 'Attention output rows delivered over completed requests.',
    labelNames: ['server'],
    registers,
    async collect() {
      this.reset();
      for (const a of sources.attention ?? []) this.inc({ server: a.name }, (await a.stats()).rows);
    },
  });
  const speedup = new Gauge({
    name: 'erlmcp_attention_speedup_ratio',
    help: 'Naive attention time over tiled attention time, as last measured by the application (FlashAttention.measureSpeedup), by kernel.',
    labelNames: ['kernel'],
    registers,
  });
  return { stop: () => node.events.off('batcher:batch', onBatch), speedup };
}
