import { AlreadyStartedError, GenServer, Node, awaitExit, exit, ok, reply, via, whereis, type Pid } from '@erlmcp/otp';
import {
  BadNameError,
  DeadPidError,
  NameTakenError,
  NotOwnerError,
  NotRegisteredError,
  RegistryArgError,
  ShardedRegistry,
  type Name,
} from '@erlmcp/sharded-registry';
import { eventually, holderDef, idle } from './helpers';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Ets } from '@erlmcp/ets';
import { C_NEXT_SLOT, MAX_SLOTS } from '../src/layout';

let node: Node;
let registry: ShardedRegistry<{ role: string }>;

beforeEach(async () => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
  registry = ShardedRegistry.create({ shards: 4, maxShards: 16, tableBytes: 1 << 20 });
  await registry.start();
});
afterEach(() => node.stop());

describe('registering and looking up', () => {
  test('registerName, whereis with meta, list by prefix and by shard, count, stats', async () => {
    const a = idle();
    const b = idle();
    await registry.registerName('session:1', a, { role: 'client' });
    await registry.registerName('session:2', b, { role: 'server' });
    await registry.registerName('tool:x', a);
    await registry.registerName(['tuple', 7], b, { role: 'tuple' });

    const found = registry.whereis('session:1')!;
    expect(found.pid.equals(a)).toBe(true);
    expect(found.meta).toEqual({ role: 'client' });
    expect(registry.whereis(['tuple', 7])!.pid.equals(b)).toBe(true);
    expect(registry.whereis('nobody')).toBeUndefined();
    expect(registry.count()).toBe(4);

    expect(
      registry
        .list({ prefix: 'session:' })
        .map((e) => e.name)
        .sort(),
    ).toEqual(['session:1', 'session:2']);
    const byShard = Array.from({ length: registry.shards }, (_, s) => registry.list({ shard: s }));
    expect(byShard.flat().length).toBe(4);
    byShard.forEach((entries, s) => entries.forEach((e) => expect(registry.shardOf(e.name)).toBe(s)));

    const stats = registry.stats();
    expect(stats.reduce((n, s) => n + s.entries, 0)).toBe(4);
    expect(stats.reduce((n, s) => n + s.writes, 0)).toBe(4);
    // 2 hits and 1 miss above, each counted once on its shard
    expect(stats.reduce((n, s) => n + s.lookups, 0)).toBe(3);
    expect(stats[registry.shardOf('session:1')]!.lookups).toBeGreaterThanOrEqual(1);
  });

  test('lookups are counted exactly, cached or not, and a write invalidates the cached answer', async () => {
    const a = idle();
    const b = idle();
    await registry.registerName('k', a);
    for (let i = 0; i < 1000; i++) expect(registry.whereis('k')!.pid.equals(a)).toBe(true);
    expect(registry.stats()[registry.shardOf('k')]!.lookups).toBe(1000);
    await registry.unregisterName('k');
    expect(registry.whereis('k')).toBeUndefined();
    await registry.registerName('k', b);
    expect(registry.whereis('k')!.pid.equals(b)).toBe(true);
  });

  test('registering a name that is taken is a NameTakenError naming the holder; nothing changes', async () => {
    const a = idle();
    const b = idle();
    await registry.registerName('only', a, { role: 'first' });
    const error = await registry.registerName('only', b, { role: 'second' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NameTakenError);
    expect((error as NameTakenError).holder!.equals(a)).toBe(true);
    expect(registry.whereis('only')).toMatchObject({ meta: { role: 'first' } });
    expect(registry.count()).toBe(1);
  });
});

describe('typed errors leave the registry unchanged', () => {
  test('names and meta msgpackr cannot encode, dead pids, not registered, held by another process', async () => {
    const a = idle();
    await registry.registerName('kept', a);
    const before = registry.list();

    await expect(registry.registerName((() => 1) as unknown as Name, a)).rejects.toBeInstanceOf(BadNameError);
    await expect(registry.registerName(Symbol('s') as unknown as Name, a)).rejects.toBeInstanceOf(BadNameError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(registry.registerName(cyclic, a)).rejects.toBeInstanceOf(BadNameError);
    await expect(registry.registerName(undefined as unknown as Name, a)).rejects.toBeInstanceOf(BadNameError);
    await expect(registry.registerName('fine', a, { role: (() => 'x') as unknown as string })).rejects.toBeInstanceOf(
      BadNameError,
    );
    expect(() => registry.whereis((() => 1) as unknown as Name)).toThrow(BadNameError);

    const dead = idle();
    exit(dead, 'kill');
    await awaitExit(dead);
    await expect(registry.registerName('ghost', dead)).rejects.toBeInstanceOf(DeadPidError);
    await expect(registry.registerName('ghost', { id: 1, node: 0 } as unknown as Pid)).rejects.toBeInstanceOf(
      DeadPidError,
    );

    await expect(registry.unregisterName('never-registered')).rejects.toBeInstanceOf(NotRegisteredError);
    const other = await GenServer.start(holderDef(registry as ShardedRegistry), undefined);
    expect(await GenServer.call(other, { unregister: 'kept' })).toBe(new NotOwnerError('kept', a, other).code);

    expect(registry.list()).toEqual(before);
    expect(registry.count()).toBe(1);
    expect(registry.whereis('fine')).toBeUndefined();
    expect(registry.whereis('ghost')).toBeUndefined();
    await expect(registry.reshard(0)).rejects.toBeInstanceOf(RegistryArgError);
    await expect(registry.reshard(17)).rejects.toBeInstanceOf(RegistryArgError);
  });

  test('the holder unregisters its own name', async () => {
    const holder = await GenServer.start(holderDef(registry as ShardedRegistry), undefined);
    expect(await GenServer.call(holder, { register: 'mine' })).toBe('ok');
    expect(await GenServer.call(holder, { register: 'mine' })).toBe('ERR_REGISTRY_NAME_TAKEN');
    expect(await GenServer.call(holder, { unregister: 'mine' })).toBe('ok');
    expect(registry.whereis('mine')).toBeUndefined();
  });
});

describe('monitors remove the names of processes that exit', () => {
  test('every name of a process goes when it exits, normally or killed; others stay', async () => {
    const a = idle();
    const b = idle();
    for (let i = 0; i < 50; i++) await registry.registerName(`a${i}`, a);
    await registry.registerName('b', b);
    exit(a, 'kill');
    await awaitExit(a);
    await registry.settle();
    expect(registry.count()).toBe(1);
    expect(registry.whereis('a7')).toBeUndefined();
    expect(registry.whereis('b')!.pid.equals(b)).toBe(true);

    const holder = await GenServer.start(holderDef(registry as ShardedRegistry), undefined);
    await GenServer.call(holder, { register: 'h' });
    await GenServer.stop(holder);
    await registry.settle();
    expect(registry.whereis('h')).toBeUndefined();
  });

  test('a holder that exits right after registering (before this thread yields, so before its shard process heard of it) loses its names', async () => {
    const a = idle();
    await registry.registerName('brief', a);
    await registry.registerName('brief:2', a);
    exit(a, 'kill');
    await awaitExit(a);
    await registry.settle();
    expect(registry.whereis('brief')).toBeUndefined();
    expect(registry.count()).toBe(0);
  });

  test('a shard that crashes is restarted and rebuilds its monitors from its table: no name is lost or leaked', async () => {
    const a = idle();
    const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
    for (const n of names) await registry.registerName(n, a);
    const shard = registry.shardOf('n0');
    const shardPid = whereis(registry.shardProcessName(shard, 0))!;
    exit(shardPid, 'kill');
    await eventually(() => {
      const now = whereis(registry.shardProcessName(shard, 0));
      return now !== undefined && !now.equals(shardPid);
    });
    expect(registry.count()).toBe(40);
    exit(a, 'kill');
    await awaitExit(a);
    await registry.settle();
    expect(registry.count()).toBe(0);
  });
});

describe('the via name service', () => {
  const echo = GenServer.define({
    init: (tag: string) => ok(tag),
    handleCall: (req: 'tag', _from, tag: string) => reply(tag, tag),
  });

  test('GenServer start and call by a registry name; a second start is AlreadyStarted; stop releases the name', async () => {
    const name = via(registry.nameService, 'session:abc');
    const pid = await GenServer.start(echo, 'first', { name });
    expect(registry.whereis('session:abc')!.pid.equals(pid)).toBe(true);
    expect(await GenServer.call(name, 'tag')).toBe('first');
    await expect(GenServer.start(echo, 'second', { name })).rejects.toBeInstanceOf(AlreadyStartedError);
    await GenServer.stop(pid);
    await registry.settle();
    expect(registry.whereis('session:abc')).toBeUndefined();
    const again = await GenServer.start(echo, 'third', { name });
    expect(await GenServer.call(name, 'tag')).toBe('third');
    expect(again.equals(pid)).toBe(false);
  });
});

describe('threads that come and go', () => {
  /** A worker thread (watched, so its death is known) that attaches, looks a name up, and exits: 'ok', or the error code. */
  async function attachOnce(): Promise<string> {
    const entry = path.resolve(__dirname, '..', 'dist', 'index.js');
    const code = `const { workerData, parentPort } = require('node:worker_threads');
      const { ShardedRegistry } = require(${JSON.stringify(entry)});
      let out = 'ok';
      try { ShardedRegistry.attach(workerData).whereis('x'); } catch (error) { out = error.code; }
      parentPort.postMessage(out);`;
    const worker = Ets.watch(new Worker(code, { eval: true, workerData: registry.handle() }));
    let outcome = 'no answer';
    worker.on('message', (m: string) => (outcome = m));
    await new Promise((resolve) => worker.once('exit', resolve));
    return outcome;
  }

  test('a thread takes over the slot of one that died once every slot has been used: attaching never runs out', async () => {
    // As if all slots but two had been taken by threads still attached.
    Atomics.store(new Int32Array(registry.handle().control), C_NEXT_SLOT, MAX_SLOTS - 2);
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(await attachOnce());
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok']);
    // The dead threads' counts stay in the sums.
    expect(registry.stats().reduce((n, s) => n + s.lookups, 0)).toBe(4);
  });
});
