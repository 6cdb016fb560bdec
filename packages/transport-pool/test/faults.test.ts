import net from 'node:net';
import fc from 'fast-check';
import { Node } from '@erlmcp/otp';
import {
  AcquireTimeoutError,
  ConnectError,
  InvalidPoolOptionsError,
  Pool,
  tcpFactory,
  WaitersFullError,
  type ConnectionFactory,
  type PoolOptions,
} from '@erlmcp/transport-pool';
import { closedPort, eventually, nextEvent, tcpServer, type TestServer } from './helpers';

let node: Node;
const pools: Pool<unknown>[] = [];
const servers: TestServer[] = [];

beforeEach(() => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
});
afterEach(async () => {
  for (const p of pools.splice(0)) await p.stop(1000);
  await node.stop();
  for (const s of servers.splice(0)) await s.close();
});

async function start<R>(options: PoolOptions<R>): Promise<Pool<R>> {
  const pool = await Pool.start(options);
  pools.push(pool as Pool<unknown>);
  return pool;
}

async function server(...args: Parameters<typeof tcpServer>): Promise<TestServer> {
  const s = await tcpServer(...args);
  servers.push(s);
  return s;
}

const fast = { backoff: { initialMs: 1, maxMs: 5 } };

test('upstream refused: acquire fails with AcquireTimeoutError whose cause is the connect error; nothing is handed out', async () => {
  const port = await closedPort();
  const pool = await start({
    factory: tcpFactory({ host: '127.0.0.1', port }),
    min: 1,
    max: 2,
    acquireTimeoutMs: 100,
    ...fast,
  });
  // Nothing is open: whatever counts in size is a retry still connecting (the backoff here is 1 to 5 ms).
  expect(pool.stats()).toMatchObject({ created: 0, idle: 0, inUse: 0 });
  expect(pool.stats().size).toBe(pool.stats().connecting);
  expect(pool.stats().failedConnects).toBeGreaterThanOrEqual(1);
  const error = await pool.acquire().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AcquireTimeoutError);
  expect((error as Error).cause).toBeInstanceOf(ConnectError);
  expect(((error as Error).cause as Error).message).toMatch(/ECONNREFUSED/);
});

test('backoff: failed connects are retried with growing, jittered delays, then succeed once the upstream is back', async () => {
  const port = await closedPort();
  const pool = await start({
    factory: tcpFactory({ host: '127.0.0.1', port }),
    min: 1,
    max: 1,
    backoff: { initialMs: 5, maxMs: 40 },
  });
  const delays: number[] = [];
  pool.events.on('pool:connect_failed', (e) => delays.push(e.retryInMs));
  await eventually(() => delays.length >= 6);
  for (const [i, d] of delays.entries()) expect(d).toBeLessThanOrEqual(Math.min(40, 5 * 2 ** (i + 1)));
  // Bring the upstream up on that port: the next retry connects.
  const up = net.createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => up.listen(port, '127.0.0.1', resolve));
  try {
    await nextEvent(pool.events, 'pool:connected');
    const conn = await pool.acquire();
    expect(conn.resource.remotePort).toBe(port);
    pool.release(conn);
  } finally {
    await pool.stop(1000);
    await new Promise<void>((resolve) => up.close(() => resolve()));
  }
});

test('slow to accept: a connect that does not finish by connectTimeoutMs fails and is counted; a waiter gets a typed error', async () => {
  let connects = 0;
  const hanging: ConnectionFactory<string> = {
    kind: 'hang',
    connect: () => {
      connects++;
      return new Promise<string>(() => undefined);
    },
    close: () => undefined,
  };
  const pool = await start({ factory: hanging, min: 0, max: 1, connectTimeoutMs: 20, acquireTimeoutMs: 150, ...fast });
  const error = await pool.acquire().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AcquireTimeoutError);
  expect((error as Error).cause).toBeInstanceOf(ConnectError);
  expect(((error as Error).cause as Error).message).toMatch(/within 20 ms/);
  expect(pool.stats().failedConnects).toBeGreaterThanOrEqual(1);
  expect(connects).toBeGreaterThanOrEqual(1);
  expect(pool.stats().waiters).toBe(0);
});

test('a factory that throws (synchronously or not) is a failed connect, never a connection', async () => {
  let calls = 0;
  const throwing: ConnectionFactory<string> = {
    kind: 'throws',
    connect: () => {
      calls++;
      if (calls % 2 === 0) return Promise.reject(new ConnectError('async no', undefined));
      throw new Error('sync no');
    },
    close: () => undefined,
  };
  const pool = await start({ factory: throwing, min: 2, max: 2, acquireTimeoutMs: 50, ...fast });
  await expect(pool.acquire()).rejects.toBeInstanceOf(AcquireTimeoutError);
  expect(pool.stats()).toMatchObject({ created: 0, size: pool.stats().connecting });
  expect(pool.stats().failedConnects).toBeGreaterThanOrEqual(2);
});

test('closing mid-request: the use() that saw the reset destroys its connection; the next caller gets a fresh one', async () => {
  // The server resets the connection on the first request, answers later ones.
  let requests = 0;
  const s = await server((socket, data) => {
    if (!data.toString().includes('req')) return;
    if (++requests === 1) socket.resetAndDestroy();
    else socket.write('ok\n');
  });
  const pool = await start({ factory: tcpFactory({ host: '127.0.0.1', port: s.port }), min: 1, max: 1 });
  const request = (socket: net.Socket) =>
    new Promise<string>((resolve, reject) => {
      socket.once('data', (d) => resolve(d.toString()));
      socket.once('error', reject);
      socket.once('close', () => reject(Object.assign(new Error('closed mid-request'), { code: 'ECONNRESET' })));
      socket.write('req\n');
    });
  const first = await pool.acquire();
  pool.release(first);
  await expect(pool.use(request)).rejects.toMatchObject({ code: 'ECONNRESET' });
  const answer = await pool.use(async (socket, conn) => {
    expect(conn.id).not.toBe(first.id);
    return request(socket);
  });
  expect(answer).toBe('ok\n');
});

test('answering garbage: a probe answered with garbage fails the check; the connection is replaced, never handed out', async () => {
  let garbage = true;
  const s = await server((socket, data) => {
    if (data.toString().includes('ping')) socket.write(garbage ? '\x00\xffgarbage' : 'pong\n');
  });
  const factory = tcpFactory({
    host: '127.0.0.1',
    port: s.port,
    probe: { send: 'ping\n', expect: (d) => d.toString() === 'pong\n' },
  });
  const pool = await start({ factory, min: 1, max: 1, healthCheck: { intervalMs: 5, timeoutMs: 1000 } });
  const failed = await nextEvent(pool.events, 'pool:check_failed');
  expect(failed.reason).toMatch(/unexpected probe answer/);
  garbage = false;
  await eventually(() => pool.stats().idle === 1 && pool.stats().healthCheckFailures >= 1);
  const conn = await pool.acquire();
  expect(conn.id).not.toBe(failed.id);
  expect(conn.resource.destroyed).toBe(false);
  pool.release(conn);
});

test('a health check that hangs times out; the connection is replaced and the failure counted', async () => {
  let hang = true;
  let next = 0;
  const factory: ConnectionFactory<{ n: number }> = {
    kind: 'obj',
    connect: async () => ({ n: ++next }),
    close: () => undefined,
    check: () => (hang ? new Promise<void>(() => undefined) : Promise.resolve()),
  };
  const pool = await start({ factory, min: 1, max: 1, healthCheck: { intervalMs: 5, timeoutMs: 10 } });
  const failed = await nextEvent(pool.events, 'pool:check_failed');
  expect(failed.reason).toMatch(/did not answer within 10 ms/);
  hang = false;
  await eventually(() => pool.stats().idle === 1);
  const conn = await pool.acquire();
  expect(conn.resource.n).toBeGreaterThan(1);
  expect(pool.stats().healthCheckFailures).toBeGreaterThanOrEqual(1);
  pool.release(conn);
});

test('the wait queue is bounded: one caller more than maxWaiters gets WaitersFullError', async () => {
  const factory: ConnectionFactory<object> = { kind: 'obj', connect: async () => ({}), close: () => undefined };
  const pool = await start({ factory, min: 1, max: 1, maxWaiters: 3, acquireTimeoutMs: 10_000 });
  const held = await pool.acquire();
  const waiting = [pool.acquire(), pool.acquire(), pool.acquire()];
  await expect(pool.acquire()).rejects.toBeInstanceOf(WaitersFullError);
  expect(pool.stats().waiters).toBe(3);
  pool.release(held);
  for (const w of waiting) pool.release(await w);
});

describe('invalid options', () => {
  const factory: ConnectionFactory<object> = { kind: 'obj', connect: async () => ({}), close: () => undefined };

  test.each([
    [{ min: 5, max: 2 }, 'min'],
    [{ max: 0 }, 'max'],
    [{ acquireTimeoutMs: -1 }, 'acquireTimeoutMs'],
    [{ idleTimeoutMs: -5 }, 'idleTimeoutMs'],
    [{ connectTimeoutMs: Number.NaN }, 'connectTimeoutMs'],
    [{ maxUses: 0 }, 'maxUses'],
    [{ min: 1.5 }, 'min'],
    [{ highWatermark: 2 }, 'highWatermark'],
    [{ healthCheck: { intervalMs: 10 } }, 'healthCheck'],
    [{ factory: { connect: 1 } }, 'factory'],
  ])('%j is rejected naming %s, and nothing starts', async (bad, field) => {
    const error = await Pool.start({ factory, ...(bad as object) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPoolOptionsError);
    expect((error as InvalidPoolOptionsError).field).toBe(field);
  });

  test('any negative or non-finite timeout is rejected (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('acquireTimeoutMs', 'idleTimeoutMs', 'connectTimeoutMs'),
        fc.oneof(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), fc.constant(Number.NaN), fc.constant(-Infinity)),
        async (field, value) => {
          const error = await Pool.start({ factory, [field]: value }).catch((e: unknown) => e);
          return error instanceof InvalidPoolOptionsError && error.field === field;
        },
      ),
      { numRuns: 50 },
    );
  });
});
