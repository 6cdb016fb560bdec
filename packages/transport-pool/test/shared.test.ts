import type net from 'node:net';
import { Node, exit, schedulerOfPid, send, spawn, whereis, type Pid } from '@erlmcp/otp';
import { InvalidPoolOptionsError, Pool, tcpFactory, type PoolStats } from '@erlmcp/transport-pool';
import { collector } from '../../../test-support/collector';
import { eventually, nextEvent, tcpServer, type TestServer } from './helpers';

/** Worker-side code (plain JS, loaded from dist/ by scheduler 1). */
const fixture = require.resolve('./fixtures/pool-worker.js');
const has = (key: string) => (m: unknown) => typeof m === 'object' && m !== null && key in m;

let node: Node;
let server: TestServer;
beforeEach(async () => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
  server = await tcpServer();
});
afterEach(async () => {
  await node.stop();
  await server.close();
});

const factory = () => ({
  module: '@erlmcp/transport-pool',
  export: 'tcpFactory',
  args: [{ host: '127.0.0.1', port: server.port }],
});
const localPorts = () => new Set([...server.sockets].map((s) => s.remotePort));

/** A holder on scheduler 1 that takes `count` connections from its sub-pool of `pool`. */
function holderOnScheduler1(pool: string, count: number) {
  const c = collector();
  const pid: Pid = spawn({ module: fixture, export: 'holder' }, { scheduler: 1 });
  send(pid, { report: c.pid, pool, count });
  return { pid, c };
}

type Held = { held: { scheduler: number; localPort: number }[]; stats: PoolStats };

test("schedulers: 'all' keeps a sub-pool per scheduler: min is shared out, each caller gets a connection opened on its own scheduler", async () => {
  const pool = await Pool.start<net.Socket>(
    { schedulers: 'all', factory: factory(), min: 2, max: 4 },
    { name: 'shared-a' },
  );
  try {
    // Prewarm: one connection on each scheduler, before start() resolved.
    expect((await pool.schedulerStats()).map((s) => s.size)).toEqual([1, 1]);
    expect(server.accepted).toBe(2);
    const here = await pool.acquire();
    expect(schedulerOfPid(here.pid!)).toBe(0);
    expect(localPorts().has(here.resource.localPort)).toBe(true);

    const { pid, c } = holderOnScheduler1('shared-a', 2);
    const { held, stats } = await c.next<Held>(has('held'));
    // Both are scheduler 1's: its idle one, and one it opened itself (the common max had room).
    expect(held.map((h) => h.scheduler)).toEqual([1, 1]);
    // The server's side of a connection opened on another thread may be accepted a moment after the report.
    await eventually(() => held.every((h) => localPorts().has(h.localPort)));
    expect(stats).toMatchObject({ size: 2, inUse: 2 });
    expect(pool.stats().inUse).toBe(1);
    // Each may have grown ahead of demand (the watermark), never past the common max.
    const sizes = (await pool.schedulerStats()).map((s) => s.size);
    expect(sizes[0]! + sizes[1]!).toBeLessThanOrEqual(4);
    send(pid, 'release');
    expect((await c.next<{ released: PoolStats }>(has('released'))).released).toMatchObject({ idle: 2, inUse: 0 });
    pool.release(here);
    send(pid, 'exit');
  } finally {
    await pool.stop(2000);
  }
  // Stopping the pool closed every scheduler's connections.
  await eventually(() => server.sockets.size === 0);
});

test('max counts every scheduler: at the common max, the scheduler with idle connections closes one so a caller elsewhere gets its own', async () => {
  const pool = await Pool.start<net.Socket>(
    { schedulers: 'all', factory: factory(), min: 0, max: 2, acquireTimeoutMs: 30_000 },
    { name: 'shared-b' },
  );
  try {
    // Scheduler 0 takes the whole max and gives it back: two idle connections here.
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a);
    pool.release(b);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2 });
    const shed = nextEvent(pool.events, 'pool:shrink', (e) => e.reason === 'shed');

    const { pid, c } = holderOnScheduler1('shared-b', 1);
    const { held } = await c.next<Held>(has('held'));
    expect(held[0]!.scheduler).toBe(1);
    await shed;
    const sizes = (await pool.schedulerStats()).map((s) => s.size);
    expect(sizes).toEqual([1, 1]);
    expect(pool.stats().destroyed).toBe(1);
    send(pid, 'exit');
  } finally {
    await pool.stop(2000);
  }
});

test('a sub-pool keeps its share of min: it does not close one for another scheduler, whose waiter times out instead', async () => {
  const pool = await Pool.start<net.Socket>(
    { schedulers: 'all', factory: factory(), min: 2, max: 2, acquireTimeoutMs: 300 },
    { name: 'shared-d' },
  );
  try {
    const { pid, c } = holderOnScheduler1('shared-d', 2);
    expect((await c.next<{ error: string }>(has('error'))).error).toMatch(/^AcquireTimeoutError/);
    expect((await pool.schedulerStats()).map((s) => ({ size: s.size, destroyed: s.destroyed }))).toEqual([
      { size: 1, destroyed: 0 },
      { size: 1, destroyed: 0 },
    ]);
    expect(server.accepted).toBe(2);
    send(pid, 'exit');
  } finally {
    await pool.stop(2000);
  }
});

test("a sub-pool that crashes is restarted by the pool's supervisor and gives back the places its connections held", async () => {
  const pool = await Pool.start<net.Socket>(
    { schedulers: 'all', factory: factory(), min: 2, max: 2 },
    { name: 'shared-c' },
  );
  try {
    const before = whereis('shared-c@1')!;
    expect(schedulerOfPid(before)).toBe(1);
    exit(before, 'kill');
    await eventually(() => {
      const now = whereis('shared-c@1');
      return now !== undefined && !now.equals(before);
    });
    // The restarted sub-pool prewarms its share again: the dead one's place was returned, so the total stays at max.
    await eventually(() => server.accepted === 3);
    const sizes = (await pool.schedulerStats()).map((s) => s.size);
    expect(sizes).toEqual([1, 1]);
    const { pid, c } = holderOnScheduler1('shared-c', 1);
    expect((await c.next<Held>(has('held'))).held[0]!.scheduler).toBe(1);
    send(pid, 'exit');
  } finally {
    await pool.stop(2000);
  }
});

test('shared pools started without a name get distinct ones', async () => {
  const one = await Pool.start<net.Socket>({ schedulers: 'all', factory: factory(), min: 2, max: 2 });
  const two = await Pool.start<net.Socket>({ schedulers: 'all', factory: factory(), min: 2, max: 2 });
  try {
    expect(one.pid.equals(two.pid)).toBe(false);
    const [a, b] = [await one.acquire(), await two.acquire()];
    expect(a.pid!.equals(b.pid!)).toBe(false);
    expect(server.accepted).toBe(4);
    one.release(a);
    two.release(b);
  } finally {
    await one.stop(2000);
    await two.stop(2000);
  }
});

test("schedulers: 'all' needs a factory spec: functions cannot cross threads", async () => {
  await expect(
    Pool.start({ schedulers: 'all', factory: tcpFactory({ host: '127.0.0.1', port: server.port }) }),
  ).rejects.toThrow(InvalidPoolOptionsError);
  await expect(
    Pool.start({ schedulers: 'all', factory: { module: '@erlmcp/transport-pool', export: 'noSuchFactory' } }),
  ).rejects.toMatchObject({ field: 'factory' });
  await expect(Pool.start({ schedulers: 'every' as never, factory: factory() })).rejects.toMatchObject({
    field: 'schedulers',
  });
});
