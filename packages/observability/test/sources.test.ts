import { OptimizedTable } from '@erlmcp/ets-optimizer';
import { GenServer, LOOKUP_SAMPLE_EVERY, Node, noreply, ok, register, reply, send, spawn, whereis } from '@erlmcp/otp';
import { ShardedRegistry } from '@erlmcp/sharded-registry';
import { RuntimeMetrics } from '@erlmcp/observability';
import { sample } from './sample';

const holder = GenServer.define({
  name: 'metrics_memory_holder',
  init: (text: string) => ok(text),
  handleCast: (more: string, text: string) => noreply(text + more),
  handleCall: (_request: 'size', _from, text: string) => reply(text.length, text),
});

describe('RuntimeMetrics: lookup latency, cache reads and process memory move with their causes', () => {
  let node: Node;

  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });

  afterEach(async () => {
    await node.stop();
  });

  it('times one whereis in LOOKUP_SAMPLE_EVERY, and none when nobody listens', async () => {
    const pid = spawn(async (ctx) => void (await ctx.receive()));
    register('metrics_lookup_target', pid);
    // Before any metrics exist, lookups are not timed: nothing is waiting to be counted later.
    for (let i = 0; i < LOOKUP_SAMPLE_EVERY * 10; i++) whereis('metrics_lookup_target');
    const metrics = new RuntimeMetrics({ node, defaultMetrics: false });
    expect(sample(await metrics.metrics(), 'erlmcp_registry_lookup_duration_seconds', { registry: 'local' })).toBe(0);
    for (let i = 0; i < LOOKUP_SAMPLE_EVERY * 100; i++) whereis('metrics_lookup_target');
    const timed = sample(await metrics.metrics(), 'erlmcp_registry_lookup_duration_seconds', { registry: 'local' });
    // 100 samples from these lookups, give or take the runtime's own lookups meanwhile.
    expect(timed).toBeGreaterThanOrEqual(100);
    expect(timed).toBeLessThanOrEqual(102);
    metrics.close();
    send(pid, 'stop');
  });

  it("times a sharded registry's lookups and counts its cache's hits", async () => {
    const registry = ShardedRegistry.create({ name: 'metrics_lookup_registry', shards: 2 });
    const metrics = new RuntimeMetrics({ node, sources: { registries: [registry] }, defaultMetrics: false });
    await registry.start();
    const pid = spawn(async (ctx) => void (await ctx.receive()));
    await registry.registerName('worker-b', pid);
    for (let i = 0; i < LOOKUP_SAMPLE_EVERY * 10; i++) expect(registry.whereis('worker-b')?.pid).toEqual(pid);
    const text = await metrics.metrics();
    const shard = String(registry.shardOf('worker-b'));
    expect(
      sample(text, 'erlmcp_registry_lookup_duration_seconds', { registry: 'metrics_lookup_registry' }),
    ).toBeGreaterThanOrEqual(10);
    const lookups = sample(text, 'erlmcp_registry_operations_total', {
      registry: 'metrics_lookup_registry',
      shard,
      operation: 'lookup',
    });
    const hits = sample(text, 'erlmcp_registry_cache_hits_total', { registry: 'metrics_lookup_registry', shard });
    expect(lookups).toBeGreaterThanOrEqual(LOOKUP_SAMPLE_EVERY * 10);
    // The first lookup reads the table and fills this thread's cache; the rest are answered by it.
    expect(hits).toBeGreaterThanOrEqual(LOOKUP_SAMPLE_EVERY * 10 - 1);
    expect(hits).toBeLessThan(lookups);
    send(pid, 'stop');
    metrics.close();
    await registry.stop();
  });

  it("counts an optimized table's hot reads and misses", async () => {
    const table = OptimizedTable.create<[string, string]>('metrics_cache_table');
    const metrics = new RuntimeMetrics({ node, sources: { caches: [table] }, defaultMetrics: false });
    for (let i = 0; i < 50; i++) table.insert([`k${i}`, 'v'.repeat(200)]);
    for (let i = 0; i < 50; i++) expect(table.lookup(`k${i}`)).toHaveLength(1);
    expect(table.lookup('absent')).toEqual([]);
    const text = await metrics.metrics();
    const hot = sample(text, 'erlmcp_cache_reads_total', { cache: 'metrics_cache_table', result: 'hot' });
    const cold = sample(text, 'erlmcp_cache_reads_total', { cache: 'metrics_cache_table', result: 'cold' });
    expect(hot + cold).toBe(50);
    expect(sample(text, 'erlmcp_cache_reads_total', { cache: 'metrics_cache_table', result: 'miss' })).toBe(1);
    expect(text).toMatch(/^# TYPE erlmcp_cache_tier_moves_total counter$/m);
    metrics.close();
    OptimizedTable.delete(table);
  });

  it("shows a registered process's memory growing with its state", async () => {
    const metrics = new RuntimeMetrics({ node, defaultMetrics: false });
    const pid = await GenServer.start(holder, 'x'.repeat(1_000), { name: 'metrics_memory_holder' });
    const small = sample(await metrics.metrics(), 'erlmcp_process_memory_bytes', { name: 'metrics_memory_holder' });
    GenServer.cast(pid, 'y'.repeat(100_000));
    expect(await GenServer.call(pid, 'size')).toBe(101_000);
    const large = sample(await metrics.metrics(), 'erlmcp_process_memory_bytes', { name: 'metrics_memory_holder' });
    expect(small).toBeGreaterThanOrEqual(1_000);
    expect(large).toBeGreaterThanOrEqual(101_000);
    expect(large).toBeGreaterThan(small);
    metrics.close();
    await GenServer.stop(pid);
  });
});
