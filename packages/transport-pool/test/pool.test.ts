import type net from 'node:net';
import { GenServer, Node, noreply, ok, reply, type Pid } from '@erlmcp/otp';
import {
  AcquireAbortedError,
  AcquireTimeoutError,
  NotLeasedError,
  Pool,
  PoolClosedError,
  tcpFactory,
  TransportError,
  type PooledConnection,
} from '@erlmcp/transport-pool';
import { eventually, nextEvent, tcpServer, type TestServer } from './helpers';

let node: Node;
let server: TestServer;
const pools: Pool<net.Socket>[] = [];

beforeEach(async () => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
  server = await tcpServer();
});
afterEach(async () => {
  for (const p of pools.splice(0)) await p.stop(1000);
  await node.stop();
  await server.close();
});

async function start(options: Partial<Parameters<typeof Pool.start<net.Socket>>[0]> = {}): Promise<Pool<net.Socket>> {
  const pool = await Pool.start({ factory: tcpFactory({ host: '127.0.0.1', port: server.port }), ...options });
  pools.push(pool);
  return pool;
}

describe('connections are real and supervised', () => {
  test('prewarm opens min real sockets before start resolves', async () => {
    const pool = await start({ min: 4, max: 8 });
    expect(pool.stats()).toMatchObject({ size: 4, idle: 4, created: 4 });
    await eventually(() => server.accepted === 4);
    const conn = await pool.acquire();
    expect(conn.resource.remotePort).toBe(server.port);
    expect(conn.pid).toBeDefined();
    pool.release(conn);
  });

  test('a connection the server closes is never handed out again, and is replaced while under min', async () => {
    const pool = await start({ min: 2, max: 2 });
    const closed = nextEvent(pool.events, 'pool:closed');
    const [victim] = [...server.sockets];
    victim!.destroy();
    const event = await closed;
    await eventually(() => pool.stats().created === 3 && pool.stats().idle === 2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    for (const c of [a, b]) {
      expect(c.id).not.toBe(event.id);
      expect(c.resource.destroyed).toBe(false);
    }
    expect(server.accepted).toBe(3);
    pool.release(a);
    pool.release(b);
  });

  test('stop closes every socket through its connection process', async () => {
    const pool = await start({ min: 3, max: 3 });
    await eventually(() => server.sockets.size === 3);
    await pool.stop(1000);
    await eventually(() => server.sockets.size === 0);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
  });
});

describe('acquire, release, use', () => {
  test('release of a connection not leased is a NotLeasedError and loses nothing', async () => {
    const pool = await start({ min: 1, max: 1 });
    const conn = await pool.acquire();
    pool.release(conn);
    expect(() => pool.release(conn)).toThrow(NotLeasedError);
    expect(pool.stats()).toMatchObject({ idle: 1, inUse: 0 });
  });

  test('use releases the connection when fn throws, and destroys it on a transport error', async () => {
    const pool = await start({ min: 1, max: 1 });
    await expect(
      pool.use(() => {
        throw new Error('app error');
      }),
    ).rejects.toThrow('app error');
    expect(pool.stats()).toMatchObject({ idle: 1, inUse: 0, destroyed: 0 });
    let first!: PooledConnection<net.Socket>;
    await expect(
      pool.use((_socket, conn) => {
        first = conn;
        throw new TransportError('broken pipe');
      }),
    ).rejects.toThrow('broken pipe');
    const next = await pool.acquire();
    expect(next.id).not.toBe(first.id);
    expect(pool.stats().destroyed).toBe(1);
    pool.release(next);
  });

  test('waiters are served first come, first served', async () => {
    const pool = await start({ min: 1, max: 1 });
    const held = await pool.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((i) =>
      pool.acquire().then((c) => {
        order.push(i);
        pool.release(c);
      }),
    );
    expect(pool.stats().waiters).toBe(3);
    pool.release(held);
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
  });

  test('a waiter that times out leaves the queue; the connection goes to the next', async () => {
    const pool = await start({ min: 1, max: 1, acquireTimeoutMs: 50 });
    const held = await pool.acquire();
    const late = pool.acquire();
    await expect(late).rejects.toBeInstanceOf(AcquireTimeoutError);
    expect(pool.stats()).toMatchObject({ waiters: 0, acquireTimeouts: 1 });
    const controller = new AbortController();
    const aborted = pool.acquire({ signal: controller.signal });
    const patient = pool.acquire({ signal: new AbortController().signal });
    controller.abort(new Error('user gave up'));
    await expect(aborted).rejects.toBeInstanceOf(AcquireAbortedError);
    pool.release(held);
    const got = await patient;
    expect(got.id).toBe(held.id);
    pool.release(got);
  });

  test('an already aborted signal rejects at once', async () => {
    const pool = await start({ min: 1, max: 1 });
    await expect(pool.acquire({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AcquireAbortedError);
  });

  test('maxUses retires a connection after that many leases', async () => {
    const pool = await start({ min: 1, max: 1, maxUses: 2 });
    const a = await pool.acquire();
    pool.release(a);
    const b = await pool.acquire();
    expect(b.id).toBe(a.id);
    pool.release(b);
    const c = await pool.acquire();
    expect(c.id).not.toBe(a.id);
    expect(pool.stats().destroyed).toBe(1);
    pool.release(c);
  });

  test('drain stops handing out and closes each connection as it is released', async () => {
    const pool = await start({ min: 2, max: 2 });
    const held = await pool.acquire();
    const drained = pool.drain();
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'pool_draining' });
    await eventually(() => server.sockets.size === 1);
    pool.release(held);
    await drained;
    expect(pool.stats().size).toBe(0);
  });
});

describe('processes holding or waiting for connections', () => {
  const holder = (pool: Pool<net.Socket>) =>
    GenServer.define({
      init: () => ok<PooledConnection<net.Socket> | undefined>(undefined),
      handleCall: async (_req: 'take', _from, _s: PooledConnection<net.Socket> | undefined) => {
        const conn = await pool.acquire();
        return reply(conn.id, conn);
      },
      handleCast: (_m: 'wait', s: PooledConnection<net.Socket> | undefined) => {
        void pool.acquire().catch(() => undefined);
        return noreply(s);
      },
    });

  test('a process that exits holding a connection gives it back (monitor)', async () => {
    const pool = await start({ min: 1, max: 1 });
    const pid = (await GenServer.start(holder(pool), undefined)) as Pid;
    const id = await GenServer.call(pid, 'take');
    expect(pool.stats().inUse).toBe(1);
    const waiting = pool.acquire();
    await GenServer.stop(pid, 'normal');
    const conn = await waiting;
    expect(conn.id).toBe(id);
    pool.release(conn);
  });

  test('a process that exits while waiting leaves the queue, and the connection goes to the next waiter', async () => {
    const pool = await start({ min: 1, max: 1 });
    const held = await pool.acquire();
    const pid = (await GenServer.start(holder(pool), undefined)) as Pid;
    GenServer.cast(pid, 'wait');
    await eventually(() => pool.stats().waiters === 1);
    const next = pool.acquire();
    await GenServer.stop(pid, 'normal');
    await eventually(() => pool.stats().waiters === 1);
    pool.release(held);
    const got = await next;
    expect(got.id).toBe(held.id);
    pool.release(got);
  });
});
