import {
  GenServer,
  Node,
  awaitExit,
  exit,
  processInfoAsync,
  schedulerOfPid,
  send,
  spawn,
  whereis,
  type Pid,
} from '@erlmcp/otp';
import { ShardedRegistry } from '@erlmcp/sharded-registry';
import { collector, eventually, has, idle } from './helpers';
import { MAX_SLOTS, writerWord } from '../src/layout';

/** Worker-side code (plain JS, loaded from dist/ by scheduler 1). */
const fixture = require.resolve('./fixtures/registry-worker.js');

type Outcome = [string, string];

let node: Node;
let registry: ShardedRegistry<{ by: string }>;
beforeEach(async () => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
  registry = ShardedRegistry.create({ maxShards: 16, tableBytes: 1 << 22 });
  await registry.start();
});
afterEach(() => node.stop());

/** Spawns a fixture body on scheduler 1 and sends it its first message (with the registry handle). */
function onScheduler1(body: string, args: Record<string, unknown>): Pid {
  const pid = spawn({ module: fixture, export: body }, { scheduler: 1 });
  send(pid, { handle: registry.handle(), ...args });
  return pid;
}

test('default shard count is twice the schedulers; a handle attaches on scheduler 1, which looks up names registered on scheduler 0', async () => {
  expect(registry.shards).toBe(4);
  const a = idle();
  const names = Array.from({ length: 200 }, (_, i) => `s0:${i}`);
  for (const n of names) await registry.registerName(n, a, { by: 'scheduler-0' });
  const c = collector();
  onScheduler1('lookup', { report: c.pid, names: [...names, 'missing'] });
  const { found } = await c.next<{ found: [string, Pid | null, unknown][] }>(has('found'));
  expect(
    found
      .slice(0, 200)
      .every(([, pid, meta]) => pid !== null && pid.equals(a) && (meta as { by: string }).by === 'scheduler-0'),
  ).toBe(true);
  expect(found[200]).toEqual(['missing', null, null]);
  // Lookups made on scheduler 1 are counted in its own slot and summed here.
  expect(registry.stats().reduce((n, s) => n + s.lookups, 0)).toBe(201);
});

test('a process on scheduler 1 registers; scheduler 0 sees its pid; its exit removes the names', async () => {
  const c = collector();
  const worker = onScheduler1('register', { report: c.pid, names: ['w:1', 'w:2'] });
  const { outcomes, pid } = await c.next<{ outcomes: Outcome[]; pid: Pid }>(has('outcomes'));
  expect(outcomes).toEqual([
    ['w:1', 'won'],
    ['w:2', 'won'],
  ]);
  expect(pid.equals(worker)).toBe(true);
  expect(pid.id % 64).toBe(1);
  expect(registry.whereis('w:1')).toMatchObject({ meta: { by: 'scheduler-1' } });
  expect(registry.whereis('w:2')!.pid.equals(worker)).toBe(true);
  send(worker, 'crash');
  await awaitExit(worker);
  await eventually(() => registry.count() === 0);
});

test("a holder on scheduler 1 is monitored by its shard's process there; that process restarts alone and monitors it again", async () => {
  const c = collector();
  const worker = onScheduler1('register', { report: c.pid, names: ['here:1', 'here:2'] });
  await c.next(has('outcomes'));
  const shard = registry.shardOf('here:1');
  const onOne = whereis(registry.shardProcessName(shard, 1))!;
  const onZero = whereis(registry.shardProcessName(shard, 0))!;
  expect([schedulerOfPid(onZero), schedulerOfPid(onOne)]).toEqual([0, 1]);
  const watchers = async () => (await processInfoAsync(worker))!.monitoredBy;
  await registry.settle(); // the worker's thread tells its shard processes when it yields; settle has them take it now
  expect((await watchers()).some((p) => p.equals(onOne))).toBe(true);
  expect((await watchers()).some((p) => p.equals(onZero))).toBe(false);

  exit(onOne, 'kill');
  await eventually(() => {
    const now = whereis(registry.shardProcessName(shard, 1));
    return now !== undefined && !now.equals(onOne);
  });
  expect(whereis(registry.shardProcessName(shard, 0))!.equals(onZero)).toBe(true);
  await registry.settle();
  const replacement = whereis(registry.shardProcessName(shard, 1))!;
  expect((await watchers()).some((p) => p.equals(replacement))).toBe(true);
  expect(registry.whereis('here:1')!.pid.equals(worker)).toBe(true);

  send(worker, 'exit');
  await awaitExit(worker);
  await registry.settle();
  expect(registry.count()).toBe(0);
});

test('two schedulers registering the same names at once: exactly one wins each name', async () => {
  const names = Array.from({ length: 300 }, (_, i) => `race:${i}`);
  const c = collector();
  const worker = onScheduler1('register', { report: c.pid, names, go: true });
  const local = collector();
  const mine = new Map<string, string>();
  const racer = spawn(async (ctx) => {
    await ctx.receive((m) => m === 'go');
    for (const n of names) {
      try {
        await registry.registerName(n, ctx.self, { by: 'scheduler-0' });
        mine.set(n, 'won');
      } catch (error) {
        mine.set(n, (error as { code: string }).code);
      }
    }
    ctx.send(local.pid, { done: true });
    await ctx.receive((m) => m === 'never');
  });
  await c.next(has('ready')); // the worker has attached and waits at its barrier: release both
  send(worker, 'go');
  send(racer, 'go');
  const { outcomes } = await c.next<{ outcomes: Outcome[] }>(has('outcomes'));
  await local.next(has('done'));
  for (const [n, outcome] of outcomes) {
    const here = mine.get(n)!;
    expect([outcome, here].sort()).toEqual(['ERR_REGISTRY_NAME_TAKEN', 'won']);
    const holder = registry.whereis(n)!.pid;
    expect(holder.equals(outcome === 'won' ? worker : racer)).toBe(true);
  }
  expect(registry.count()).toBe(names.length);
});

test('a scheduler that dies: every name held by its processes is removed (DOWN with scheduler_down)', async () => {
  const c = collector();
  onScheduler1('register', { report: c.pid, names: Array.from({ length: 50 }, (_, i) => `doomed:${i}`) });
  onScheduler1('register', { report: c.pid, names: ['doomed:extra'] });
  await c.next(has('outcomes'));
  await c.next(has('outcomes'));
  const survivor = idle();
  await registry.registerName('survivor', survivor);
  expect(registry.count()).toBe(52);
  await (node.cluster as unknown as { terminate(k: number): Promise<void> }).terminate(1);
  await eventually(() => registry.count() === 1);
  expect(registry.whereis('survivor')!.pid.equals(survivor)).toBe(true);
  expect(registry.list({ prefix: 'doomed:' })).toEqual([]);
  exit(survivor, 'kill');
});

test('a scheduler that dies holding a lock of a shard table: the lock is recovered, and the name it guarded can be removed', async () => {
  const small = ShardedRegistry.create({ shards: 1, tableBytes: 1 << 20 });
  await small.start();
  const holder = idle();
  await small.registerName('guarded', holder);
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const pid = spawn({ module: fixture, export: 'holdStripe' }, { scheduler: 1 });
  send(pid, { handle: small.handle(), flag: flag.buffer });
  // Scheduler 1 now holds the stripe of 'guarded' (and blocks there); end its thread as a crash would.
  await eventually(() => Atomics.load(flag, 0) === 1);
  await (node.cluster as unknown as { terminate(k: number): Promise<void> }).terminate(1);
  await small.unregisterName('guarded');
  expect(small.whereis('guarded')).toBeUndefined();
  await small.registerName('guarded', holder);
  expect(small.whereis('guarded')!.pid.equals(holder)).toBe(true);
  exit(holder, 'kill');
});

test('a scheduler that dies inside a registration (blocked on a table lock) does not stall every later reshard', async () => {
  await node.stop();
  node = Node.start({ schedulers: 3, logLevel: 'silent' });
  const small = ShardedRegistry.create({ shards: 1, maxShards: 4, tableBytes: 1 << 20 });
  await small.start();
  const holder = idle();
  await small.registerName('guarded', holder);
  // Scheduler 2 holds the stripe of 'guarded' until told to let go.
  const flag = new Int32Array(new SharedArrayBuffer(8));
  send(spawn({ module: fixture, export: 'holdStripe' }, { scheduler: 2 }), {
    handle: small.handle(),
    flag: flag.buffer,
  });
  await eventually(() => Atomics.load(flag, 0) === 1);
  // Scheduler 1 registers the same name: it enters the write, then waits on that stripe.
  const c = collector();
  send(spawn({ module: fixture, export: 'register' }, { scheduler: 1 }), {
    handle: small.handle(),
    report: c.pid,
    names: ['guarded'],
  });
  const ctl = new Int32Array(small.handle().control);
  const inWrite = () =>
    Array.from({ length: MAX_SLOTS }, (_, t) => Atomics.load(ctl, writerWord(4, 3, t))).some((n) => n !== 0);
  await eventually(inWrite);
  await (node.cluster as unknown as { terminate(k: number): Promise<void> }).terminate(1);
  Atomics.store(flag, 1, 1);
  Atomics.notify(flag, 1);
  // The dead thread's count of writers stays, but it writes no more: the move goes ahead.
  await small.reshard(2);
  expect(small.shards).toBe(2);
  expect(small.whereis('guarded')!.pid.equals(holder)).toBe(true);
  exit(holder, 'kill');
});

/** Sets `flag[0]` for the writeOnFlag body and blocks this thread (Atomics.wait) until it is done: notes this thread queued stay unsent meanwhile. */
function blockUntilDone(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  while (Atomics.load(flag, 0) !== 2) Atomics.wait(flag, 0, 1);
}

test('an unwatch note that arrives after the same holder registered the name again does not drop the new monitor: its exit still removes the name', async () => {
  const c = collector();
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const holder = onScheduler1('writeOnFlag', { report: c.pid, name: 'again', flag: flag.buffer, then: 'register' });
  await c.next(has('ready'));
  await registry.settle();
  // Scheduler 0 unregisters the name; its note for the shard's process on scheduler 1 stays here until this thread yields,
  // and meanwhile the holder registers the name again and its own note is applied.
  await registry.unregisterName('again');
  blockUntilDone(flag);
  expect(registry.whereis('again')!.pid.equals(holder)).toBe(true);
  await registry.settle();
  send(holder, 'exit');
  await awaitExit(holder);
  await registry.settle();
  expect(registry.whereis('again')).toBeUndefined();
});

test('a watch note that arrives after its holder unregistered the name leaves no monitor; a later holder of the name keeps it when the first exits', async () => {
  const c = collector();
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const first = onScheduler1('writeOnFlag', {
    report: c.pid,
    name: 'late',
    flag: flag.buffer,
    first: false,
    then: 'unregister',
  });
  await c.next(has('ready'));
  // Scheduler 0 registers the name for the process on scheduler 1; its watch note stays here while that process unregisters it.
  await registry.registerName('late', first);
  blockUntilDone(flag);
  expect(Atomics.load(flag, 1)).toBe(0);
  expect(registry.whereis('late')).toBeUndefined();
  await registry.settle(); // the late watch note is applied now
  const second = idle();
  await registry.registerName('late', second);
  const watching = (await GenServer.call(registry.shardProcessName(registry.shardOf('late'), 1), 'watched')) as number;
  expect(watching).toBe(0);
  send(first, 'exit');
  await awaitExit(first);
  await registry.settle();
  expect(registry.whereis('late')!.pid.equals(second)).toBe(true);
  exit(second, 'kill');
});

test('a name cached on both threads, unregistered and registered again by a process on the other thread: neither cache answers the old holder', async () => {
  const a = idle();
  await registry.registerName('moved', a, { by: 'scheduler-0' });
  const looks = collector();
  const looker = onScheduler1('lookupEach', { report: looks.pid, names: ['moved'] });
  const before = await looks.next<{ found: [string, Pid | null, unknown][] }>(has('found'));
  expect(before.found[0]![1]!.equals(a)).toBe(true);
  expect(registry.whereis('moved')!.pid.equals(a)).toBe(true);

  await registry.unregisterName('moved');
  const c = collector();
  const worker = onScheduler1('register', { report: c.pid, names: ['moved'] });
  expect((await c.next<{ outcomes: Outcome[] }>(has('outcomes'))).outcomes).toEqual([['moved', 'won']]);

  expect(registry.whereis('moved')).toMatchObject({ meta: { by: 'scheduler-1' } });
  expect(registry.whereis('moved')!.pid.equals(worker)).toBe(true);
  send(looker, { names: ['moved'] });
  const after = await looks.next<{ found: [string, Pid | null, unknown][] }>(has('found'));
  expect(after.found[0]![1]!.equals(worker)).toBe(true);
  // Each lookup counted once, whichever thread made it and whether its cache answered.
  expect(registry.stats().reduce((n, s) => n + s.lookups, 0)).toBe(5);
  send(worker, 'exit');
  send(looker, 'exit');
});
