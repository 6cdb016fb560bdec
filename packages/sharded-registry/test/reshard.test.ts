import { Node, Supervisor, exit, awaitExit, register, send, spawn, unregister, whereis, type Pid } from '@erlmcp/otp';
import { ShardedRegistry, type RegistryOptions } from '@erlmcp/sharded-registry';
import { collector, eventually, has, idle } from './helpers';
import { C_EPOCH, writerWord } from '../src/layout';

const fixture = require.resolve('./fixtures/registry-worker.js');

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterEach(() => node.stop());

/** Every name is in exactly one table, the one its placement names. */
function checkPlacement(registry: ShardedRegistry, names: string[]): void {
  const entries = registry.list();
  expect(entries.length).toBe(names.length);
  expect(new Set(entries.map((e) => e.name)).size).toBe(names.length);
  for (let s = 0; s < registry.shards; s++)
    for (const e of registry.list({ shard: s })) expect(registry.shardOf(e.name)).toBe(s);
  expect(registry.stats().reduce((n, s) => n + s.entries, 0)).toBe(names.length);
}

/** A started registry with `count` names `<prefix>:<i>` held by one idle process. */
async function registryHolding(
  options: RegistryOptions,
  prefix: string,
  count: number,
): Promise<{ registry: ShardedRegistry; holder: Pid; names: string[] }> {
  const registry = ShardedRegistry.create(options);
  await registry.start();
  const holder = idle();
  const names = Array.from({ length: count }, (_, i) => `${prefix}:${i}`);
  for (const n of names) await registry.registerName(n, holder);
  return { registry, holder, names };
}

/** The holder's exit removes every name it held, wherever the names moved since. */
async function expectReleasedOnExit(registry: ShardedRegistry, holder: Pid): Promise<void> {
  exit(holder, 'kill');
  await awaitExit(holder);
  await registry.settle();
  expect(registry.count()).toBe(0);
}

test('growing and shrinking while scheduler 1 and scheduler 0 look up and register: nothing lost, nothing duplicated', async () => {
  const { registry, holder, names } = await registryHolding(
    { shards: 4, maxShards: 32, tableBytes: 1 << 23 },
    'user',
    5_000,
  );

  // Lookups on scheduler 1, in a loop, for the whole time.
  const c = collector();
  const looper = spawn({ module: fixture, export: 'lookupLoop' }, { scheduler: 1 });
  send(looper, { handle: registry.handle(), report: c.pid, names });
  await c.next(has('looping'));

  // Lookups on scheduler 0 too, between the reshard's batches.
  let localMisses = 0;
  let localLookups = 0;
  let stopLocal = false;
  const localDone = new Promise<void>((resolve) => {
    spawn(async (ctx) => {
      while (!stopLocal) {
        for (let i = 0; i < names.length; i += 7) {
          if (registry.whereis(names[i]!) === undefined) localMisses++;
          localLookups++;
        }
        await ctx.receive(() => false, 0);
      }
      resolve();
    });
  });

  // And registrations that arrive during the reshards: they wait, then land exactly once.
  const late = Array.from({ length: 300 }, (_, i) => `late:${i}`);
  const registering = (async () => {
    for (const n of late) await registry.registerName(n, holder);
  })();

  for (const shards of [16, 3, 32, 1, 7]) {
    await registry.reshard(shards);
    expect(registry.shards).toBe(shards);
  }
  await registering;
  stopLocal = true;
  await localDone;
  send(looper, 'stop');
  const { lookups, missed } = await c.next<{ lookups: number; missed: string[] }>(has('missed'));

  expect(missed).toEqual([]);
  expect(lookups).toBeGreaterThan(0);
  expect(localMisses).toBe(0);
  expect(localLookups).toBeGreaterThan(0);
  checkPlacement(registry, [...names, ...late]);
  for (const n of [...names, ...late]) expect(registry.whereis(n)!.pid.equals(holder)).toBe(true);

  // Monitors followed the names to their new shards: the holder's exit still removes everything.
  await expectReleasedOnExit(registry, holder);
});

test('going from N to N+1 shards moves about 1/(N+1) of the registrations, measured in the tables', async () => {
  const { registry, holder, names } = await registryHolding(
    { shards: 8, maxShards: 16, tableBytes: 1 << 23 },
    'm',
    9_000,
  );
  const before = new Map(registry.list().map((e) => [e.name as string, e.shard]));
  await registry.reshard(9);
  const after = registry.list();
  const moved = after.filter((e) => before.get(e.name as string) !== e.shard);
  expect(moved.every((e) => e.shard === 8)).toBe(true);
  expect(registry.list({ shard: 8 }).length).toBe(moved.length);
  // Ideal 1/9 of 9,000 = 1,000; binomial sd ≈ 30.
  expect(Math.abs(moved.length - 1000)).toBeLessThan(150);
  checkPlacement(registry, names);
  exit(holder, 'kill');
});

test('a reshard that cannot fit (a table would pass its maximum) fails whole: every name stays where it was', async () => {
  const registry = ShardedRegistry.create({ shards: 4, maxShards: 8, tableBytes: 256 * 1024 });
  await registry.start();
  const holder = idle();
  const names: string[] = [];
  // Fill the four tables until one of them refuses: then no single table can take them all.
  for (let i = 0; ; i++) {
    const name = `fill:${i}:${'x'.repeat(40)}`;
    const refused = await registry.registerName(name, holder).then(
      () => false,
      (e: { code?: string }) => e.code === 'ERR_ETS_FULL',
    );
    if (refused) break;
    names.push(name);
  }
  const before = registry.list().map((e) => [e.name, e.shard]);
  await expect(registry.reshard(1)).rejects.toMatchObject({
    code: 'ERR_REGISTRY_RESHARD_FAILED',
    reason: { code: 'ERR_ETS_FULL' },
  });
  expect(registry.shards).toBe(4);
  checkPlacement(registry, names);
  expect(registry.list().map((e) => [e.name, e.shard])).toEqual(before);
  // Growing still works afterwards, and the holder's exit still clears every name.
  await registry.reshard(8);
  checkPlacement(registry, names);
  await expectReleasedOnExit(registry, holder);
});

test('a reshard that fails part way puts back rows still in their old table without needing room there: with a full old table no name is duplicated or lost', async () => {
  const registry = ShardedRegistry.create({ shards: 2, maxShards: 2, tableBytes: 256 * 1024 });
  await registry.start();
  const holder = idle();
  const refused = (e: Error & { code?: string }) => {
    if (e.code !== 'ERR_ETS_FULL') throw e;
    return false;
  };
  const names: string[] = [];
  // Shard 1 full in every stripe: many refusals in a row, names of one length (rows of one size).
  let i = 0;
  for (let misses = 0; misses < 400; i++) {
    const name = `n:${String(i).padStart(7, '0')}`;
    if (registry.shardOf(name) !== 1) continue;
    if (await registry.registerName(name, holder).then(() => true, refused)) {
      names.push(name);
      misses = 0;
    } else misses++;
  }
  // Shard 0 full too, then room made for more than one batch of the move (512 rows) but not all: the move of shard 1
  // into it copies and deletes a batch, copies part of the next, then fails.
  const zero: string[] = [];
  for (; ; i++) {
    const name = `n:${String(i).padStart(7, '0')}`;
    if (registry.shardOf(name) !== 0) continue;
    if (!(await registry.registerName(name, holder).then(() => true, refused))) break;
    zero.push(name);
  }
  for (const name of zero.splice(0, 700)) await registry.unregisterName(name);
  names.push(...zero);
  await expect(registry.reshard(1)).rejects.toMatchObject({
    code: 'ERR_REGISTRY_RESHARD_FAILED',
    reason: { code: 'ERR_ETS_FULL' },
  });
  expect(registry.shards).toBe(2);
  checkPlacement(registry, names);
  for (const name of names) expect(registry.whereis(name)?.pid.equals(holder)).toBe(true);
  await expectReleasedOnExit(registry, holder);
});

test('reshard from scheduler 1, and from both schedulers at once: each move runs whole, one after another', async () => {
  const { registry, holder, names } = await registryHolding(
    { shards: 4, maxShards: 16, tableBytes: 1 << 22 },
    'x',
    2_000,
  );
  const c = collector();
  const fromOne = (shards: number[]) =>
    send(spawn({ module: fixture, export: 'reshard' }, { scheduler: 1 }), {
      handle: registry.handle(),
      report: c.pid,
      shards,
    });
  const shardChildren = async () =>
    (await Supervisor.whichChildren(registry.name)).filter((ch) => ch.id.startsWith('shard-')).length;

  fromOne([9, 0]);
  expect(await c.next(has('resharded'))).toEqual({ resharded: ['ok', 'ERR_REGISTRY_BADARG'] });
  expect(registry.shards).toBe(9);
  expect(await shardChildren()).toBe(9);
  checkPlacement(registry, names);

  fromOne([3, 12]);
  const here = (async () => {
    await registry.reshard(6);
    await registry.reshard(2);
  })();
  expect(await c.next(has('resharded'))).toEqual({ resharded: ['ok', 'ok'] });
  await here;
  expect([12, 2]).toContain(registry.shards);
  expect(await shardChildren()).toBe(registry.shards);
  checkPlacement(registry, names);

  await expectReleasedOnExit(registry, holder);

  await registry.stop();
  fromOne([5]);
  expect(await c.next(has('resharded'))).toEqual({ resharded: ['ERR_REGISTRY_NOT_RUNNING'] });
});

test('a grow whose new shard cannot start fails whole, and leaves no shard behind: the next grow works', async () => {
  const { registry, holder, names } = await registryHolding(
    { shards: 2, maxShards: 8, tableBytes: 1 << 20 },
    'grow',
    200,
  );
  // Another process holds the name shard 3's supervisor needs: shard 2 starts, shard 3 cannot.
  const squatter = idle();
  register(registry.shardName(3), squatter);
  await expect(registry.reshard(4)).rejects.toMatchObject({ code: 'ERR_REGISTRY_RESHARD_FAILED' });
  expect(registry.shards).toBe(2);
  expect(whereis(registry.shardName(2))).toBeUndefined();
  checkPlacement(registry, names);
  unregister(registry.shardName(3));
  await registry.reshard(4);
  expect(registry.shards).toBe(4);
  checkPlacement(registry, names);
  await expectReleasedOnExit(registry, holder);
});

test('a registry stopped during a reshard: the move stops too (every name back where it was), and a reshard after a restart runs alone', async () => {
  const { registry, holder, names } = await registryHolding(
    { shards: 2, maxShards: 8, tableBytes: 1 << 22 },
    'stop',
    2_000,
  );
  // This thread counts as inside a write: the move makes the epoch odd, then waits for it.
  const ctl = new Int32Array(registry.handle().control);
  const writers = writerWord(8, 2, 0);
  Atomics.add(ctl, writers, 1);
  const first = registry.reshard(8).then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'error',
  );
  await eventually(() => (Atomics.load(ctl, C_EPOCH) & 1) === 1);
  await registry.stop();
  await registry.start();
  Atomics.sub(ctl, writers, 1);
  expect(await first).toBe('ERR_REGISTRY_NOT_RUNNING');
  expect(registry.shards).toBe(2);
  checkPlacement(registry, names);
  await registry.reshard(4);
  expect(registry.shards).toBe(4);
  checkPlacement(registry, names);
  await expectReleasedOnExit(registry, holder);
});
