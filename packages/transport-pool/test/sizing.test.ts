import type net from 'node:net';
import fc from 'fast-check';
import { Node } from '@erlmcp/otp';
import {
  Pool,
  tcpFactory,
  type ConnectionFactory,
  type PooledConnection,
  type PoolTelemetryEvents,
} from '@erlmcp/transport-pool';
import { eventually, tcpServer, type TestServer } from './helpers';

let node: Node;
let server: TestServer;

beforeEach(async () => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
  server = await tcpServer();
});
afterEach(async () => {
  await node.stop();
  await server.close();
});

test('adaptive sizing: the size follows load up to max and back down to min; each decision is a telemetry event on the node bus', async () => {
  const decisions: string[] = [];
  const bus = node.events as unknown as {
    on<E extends keyof PoolTelemetryEvents>(e: E, l: PoolTelemetryEvents[E]): void;
  };
  bus.on('pool:grow', (e) => decisions.push(`grow:${e.reason}:${e.count}`));
  bus.on('pool:shrink', () => decisions.push('shrink'));
  const pool = await Pool.start({
    factory: tcpFactory({ host: '127.0.0.1', port: server.port }),
    min: 2,
    max: 6,
    idleTimeoutMs: 20,
    sweepIntervalMs: 5,
    // No telemetry option: the pool emits on the bus of the node it runs on.
    name: 'sizing',
  });
  try {
    expect(pool.stats().size).toBe(2);
    // Load up: ten callers at once, each holding its connection.
    const held: PooledConnection<net.Socket>[] = [];
    const callers = Array.from({ length: 10 }, () => pool.acquire().then((c) => held.push(c)));
    await eventually(() => held.length === 6);
    expect(pool.stats()).toMatchObject({ size: 6, inUse: 6, waiters: 4 });
    await eventually(() => server.accepted === 6);
    expect(decisions.some((d) => d.startsWith('grow:waiters'))).toBe(true);
    // At max, four wait: no growth beyond it. Releasing serves them in turn.
    for (let round = 0; round < 4; round++) pool.release(held.shift()!);
    await Promise.all(callers);
    expect(pool.stats().size).toBe(6);
    // Load down: everything released; idle connections above min are closed.
    for (const c of held.splice(0)) pool.release(c);
    await eventually(() => pool.stats().size === 2);
    // At least the four above min (more if the machine was slow enough for one to idle out between rounds, then regrow).
    expect(decisions.filter((d) => d === 'shrink').length).toBeGreaterThanOrEqual(4);
    await eventually(() => server.sockets.size === 2);
    // Up again: use crossing the watermark grows ahead of waiters.
    const before = decisions.length;
    const a = await pool.acquire();
    const b = await pool.acquire();
    await eventually(() => decisions.slice(before).includes('grow:watermark:1'));
    await eventually(() => pool.stats().created >= 7);
    pool.release(a);
    pool.release(b);
  } finally {
    await pool.stop(1000);
  }
});

test('property: under any sequence of acquires, releases, destroys and connection deaths, no connection is leased twice or handed out while closing, and size stays within max', async () => {
  type Op =
    | { kind: 'acquire' }
    | { kind: 'release'; at: number }
    | { kind: 'destroy'; at: number }
    | { kind: 'kill'; at: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.constant({ kind: 'acquire' as const }),
    fc.nat(20).map((at) => ({ kind: 'release' as const, at })),
    fc.nat(20).map((at) => ({ kind: 'destroy' as const, at })),
    fc.nat(20).map((at) => ({ kind: 'kill' as const, at })),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(op, { maxLength: 40 }),
      async (min, extra, ops) => {
        const max = min + extra;
        const lost = new Map<number, (reason: unknown) => void>();
        let next = 0;
        const factory: ConnectionFactory<{ n: number }> = {
          kind: 'obj',
          connect: async () => ({ n: ++next }),
          close: () => undefined,
          watch: (r, onLost) => lost.set(r.n, onLost),
        };
        const pool = await Pool.start({ factory, min, max, acquireTimeoutMs: Infinity });
        const held: PooledConnection<{ n: number }>[] = [];
        const pending: Promise<unknown>[] = [];
        let ending = false;
        try {
          for (const o of ops) {
            if (o.kind === 'acquire') {
              if (pool.stats().waiters < 5)
                pending.push(pool.acquire().then((c) => (ending ? pool.release(c) : held.push(c))));
            } else if (held.length > 0) {
              const c = held.splice(o.at % held.length, 1)[0]!;
              if (o.kind === 'release') pool.release(c);
              else if (o.kind === 'destroy') pool.destroy(c);
              else {
                lost.get(c.resource.n)!(new Error('peer closed'));
                pool.release(c);
              }
            }
            await new Promise((resolve) => setImmediate(resolve));
            const s = pool.stats();
            if (s.size > max || s.inUse > max) return false;
            const ids = held.map((c) => c.id);
            if (new Set(ids).size !== ids.length) return false;
            // Nobody holds a connection the pool is closing: a broken one is never handed out.
            if (held.some((c) => c.state !== 'ready')) return false;
          }
          // Wind down: what is held goes back, and waiters served from now on give theirs straight back.
          ending = true;
          for (const c of held.splice(0)) pool.release(c);
          await Promise.all(pending);
          await eventually(() => pool.stats().inUse === 0 && pool.stats().size >= min);
          return pool.stats().size <= max;
        } finally {
          await pool.stop(1000);
        }
      },
    ),
    { numRuns: 200 },
  );
});
