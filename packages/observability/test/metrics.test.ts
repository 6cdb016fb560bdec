import { Batcher } from '@erlmcp/message-batcher';
import { Ets } from '@erlmcp/ets';
import { exit, GenServer, Node, ok, reply, send, spawn, Supervisor, whereis } from '@erlmcp/otp';
import { ShardedRegistry } from '@erlmcp/sharded-registry';
import { RuntimeMetrics } from '@erlmcp/observability';
import { sample } from './sample';

const echo = GenServer.define({
  name: 'metrics_test_echo',
  init: () => ok(0),
  handleCall: (request: 'ping', _from, n: number) => reply(request, n + 1),
});

/** Waits, bounded, until `read` gives a value past `floor`. */
async function until(read: () => Promise<number>, floor: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value > floor) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  return read();
}

describe('RuntimeMetrics: each family moves when its cause happens', () => {
  let node: Node;
  let metrics: RuntimeMetrics;

  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    metrics = new RuntimeMetrics({ node });
  });

  afterEach(async () => {
    metrics.close();
    await node.stop();
  });

  it('counts spawns, crashes and supervisor restarts from the bus', async () => {
    const sup = await Supervisor.start(
      {
        strategy: 'one_for_one',
        intensity: 5,
        period: 5,
        children: [GenServer.childSpec('echo', echo, undefined, { name: 'metrics_echo' })],
      },
      { name: 'metrics_sup' },
    );
    const before = await metrics.metrics();
    exit(whereis('metrics_echo')!, 'kill');
    const restarts = await until(
      async () => sample(await metrics.metrics(), 'erlmcp_supervisor_restarts_total', { supervisor: 'metrics_sup' }),
      0,
    );
    const after = await metrics.metrics();
    expect(restarts).toBe(1);
    expect(sample(after, 'erlmcp_process_exits_total', { reason: 'killed' })).toBe(
      sample(before, 'erlmcp_process_exits_total', { reason: 'killed' }) + 1,
    );
    expect(sample(after, 'erlmcp_process_spawns_total', { behaviour: 'gen_server:metrics_test_echo' })).toBe(2);
    await GenServer.stop(sup);
  });

  it('counts the messages the scheduler handled, and its processes', async () => {
    const before = sample(await metrics.metrics(), 'erlmcp_scheduler_messages_total', { scheduler: '0' });
    const pid = spawn(async (ctx) => {
      for (let i = 0; i < 100; i++) await ctx.receive();
    });
    for (let i = 0; i < 100; i++) send(pid, i);
    const after = await until(
      async () => sample(await metrics.metrics(), 'erlmcp_scheduler_messages_total', { scheduler: '0' }),
      before + 99,
    );
    expect(after).toBeGreaterThanOrEqual(before + 100);
    expect(sample(await metrics.metrics(), 'erlmcp_processes', { scheduler: '0' })).toBe(node.processCount);
  });

  it('shows an ETS table growing when objects are inserted', async () => {
    const table = Ets.new('metrics_test_table', { type: 'set' });
    const before = await metrics.metrics();
    for (let i = 0; i < 500; i++) table.insert([`key-${i}`, 'x'.repeat(64)]);
    const after = await metrics.metrics();
    expect(sample(before, 'erlmcp_ets_table_objects', { table: 'metrics_test_table' })).toBe(0);
    expect(sample(after, 'erlmcp_ets_table_objects', { table: 'metrics_test_table' })).toBe(500);
    expect(sample(after, 'erlmcp_ets_table_memory_bytes', { table: 'metrics_test_table' })).toBeGreaterThan(
      sample(before, 'erlmcp_ets_table_memory_bytes', { table: 'metrics_test_table' }),
    );
    Ets.delete(table);
  });

  it('counts batches, items and token counts from batcher events', async () => {
    const batcher = Batcher.create<number, number>({
      name: 'metrics_batcher',
      maxDelayMs: 1,
      sink: (items, ctx) => {
        ctx.recordTokens({ individualInput: items.length * 10, batchedInput: items.length * 4 + 6 });
        return items.map((x) => x * 2);
      },
    });
    await batcher.start();
    await Promise.all([1, 2, 3].map((x) => batcher.add(x)));
    const text = await metrics.metrics();
    expect(sample(text, 'erlmcp_batcher_batches_total', { batcher: 'metrics_batcher', outcome: 'answered' })).toBe(1);
    expect(sample(text, 'erlmcp_batcher_items_total', { batcher: 'metrics_batcher' })).toBe(3);
    expect(
      sample(text, 'erlmcp_batcher_tokens_total', {
        batcher: 'metrics_batcher',
        request: 'individual',
        direction: 'input',
      }),
    ).toBe(30);
    expect(
      sample(text, 'erlmcp_batcher_tokens_total', {
        batcher: 'metrics_batcher',
        request: 'batched',
        direction: 'input',
      }),
    ).toBe(18);
    await batcher.stop();
  });

  it("reads a sharded registry's counted lookups and writes", async () => {
    const registry = ShardedRegistry.create({ name: 'metrics_registry', shards: 2 });
    const own = new RuntimeMetrics({ node, sources: { registries: [registry] }, defaultMetrics: false });
    await registry.start();
    const pid = spawn(async (ctx) => void (await ctx.receive()));
    await registry.registerName('worker-a', pid);
    for (let i = 0; i < 10; i++) registry.whereis('worker-a');
    const text = await own.metrics();
    const shard = String(registry.shardOf('worker-a'));
    expect(
      sample(text, 'erlmcp_registry_operations_total', { registry: 'metrics_registry', shard, operation: 'lookup' }),
    ).toBeGreaterThanOrEqual(10);
    expect(
      sample(text, 'erlmcp_registry_operations_total', { registry: 'metrics_registry', shard, operation: 'write' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'erlmcp_registry_entries', { registry: 'metrics_registry', shard })).toBe(1);
    send(pid, 'stop');
    own.close();
    await registry.stop();
  });

  it('records an attention speedup the application measured, and exposes memory and GC figures', async () => {
    metrics.recordAttentionSpeedup({ speedup: 3.5 }, 'wasm');
    global.gc?.();
    const text = await metrics.metrics();
    expect(sample(text, 'erlmcp_attention_speedup_ratio', { kernel: 'wasm' })).toBe(3.5);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'erlmcp_memory_limit_bytes')).toBeGreaterThan(sample(text, 'process_resident_memory_bytes'));
    expect(sample(text, 'erlmcp_heap_limit_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
  });

  it('stops following the bus when closed', async () => {
    metrics.close();
    spawn(() => undefined);
    const fresh = new RuntimeMetrics({ node, defaultMetrics: false });
    expect(sample(await fresh.metrics(), 'erlmcp_process_spawns_total', { behaviour: 'process' })).toBe(0);
    expect(node.events.listenerCount('spawn')).toBe(1);
    fresh.close();
  });
});
