import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { Node } from '@erlmcp/otp';
import { connectTcp } from '@erlmcp/mcp/client';
import { defineServer, listenTcp, type TcpServer } from '@erlmcp/mcp/server';
import { httpFactory, mcpFactory, Pool, websocketFactory } from '@erlmcp/transport-pool';
import { eventually, nextEvent } from './helpers';

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
});
afterEach(async () => {
  await node.stop();
});

describe('http', () => {
  let server: Server;
  let sockets: Set<Socket>;
  let accepted: number;
  let healthStatus: number;
  beforeEach(async () => {
    sockets = new Set();
    accepted = 0;
    healthStatus = 200;
    server = createServer((req, res) => {
      res.writeHead(req.url === '/health' ? healthStatus : 200, { 'content-length': '2' });
      res.end(req.method === 'HEAD' ? undefined : 'ok');
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', (s: Socket) => {
      accepted++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const origin = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  test('keep-alive: many requests reuse the same min connections (the connect probe does not close them)', async () => {
    const pool = await Pool.start({ factory: httpFactory({ origin: origin() }), min: 3, max: 3 });
    try {
      await Promise.all(
        Array.from({ length: 30 }, () =>
          pool.use(async (client) => {
            const res = await client.request({ method: 'GET', path: '/' });
            return res.body.text();
          }),
        ),
      );
      expect(accepted).toBe(3);
      expect(pool.stats()).toMatchObject({ created: 3, destroyed: 0, size: 3 });
    } finally {
      await pool.stop(1000);
    }
  });

  test('the health check is the request of your choice; a bad status replaces the connection', async () => {
    const pool = await Pool.start({
      factory: httpFactory({
        origin: origin(),
        check: { method: 'GET', path: '/health', expectStatus: (s) => s === 200 },
      }),
      min: 1,
      max: 1,
      healthCheck: { intervalMs: 5, timeoutMs: 1000 },
    });
    try {
      healthStatus = 503;
      const failed = await nextEvent(pool.events, 'pool:check_failed');
      expect(failed.reason).toMatch(/503/);
      healthStatus = 200;
      await eventually(() => pool.stats().idle === 1);
      const conn = await pool.acquire();
      expect(conn.id).not.toBe(failed.id);
      pool.release(conn);
    } finally {
      await pool.stop(1000);
    }
  });

  test('a connection the server closes is replaced', async () => {
    const pool = await Pool.start({ factory: httpFactory({ origin: origin() }), min: 1, max: 1 });
    try {
      const first = await pool.acquire();
      pool.release(first);
      const closed = nextEvent(pool.events, 'pool:closed');
      for (const s of sockets) s.destroy();
      await closed;
      await eventually(() => pool.stats().idle === 1);
      const text = await pool.use(async (client, conn) => {
        expect(conn.id).not.toBe(first.id);
        return (await client.request({ method: 'GET', path: '/' })).body.text();
      });
      expect(text).toBe('ok');
    } finally {
      await pool.stop(1000);
    }
  });
});

describe('websocket', () => {
  test('ping/pong health check; a socket the server closes is replaced', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const pool = await Pool.start({
      factory: websocketFactory({ url }),
      min: 2,
      max: 2,
      healthCheck: { intervalMs: 5, timeoutMs: 1000 },
    });
    try {
      // Checks pass (ws answers each ping with a pong): nothing is replaced while the server keeps the sockets.
      await eventually(() => wss.clients.size === 2);
      let pings = 0;
      for (const client of wss.clients) client.on('ping', () => pings++);
      await eventually(() => pings >= 6);
      expect(pool.stats()).toMatchObject({ created: 2, healthCheckFailures: 0 });
      const closed = nextEvent(pool.events, 'pool:closed');
      [...wss.clients][0]!.terminate();
      await closed;
      await eventually(() => pool.stats().created === 3 && wss.clients.size === 2);
    } finally {
      await pool.stop(1000);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });
});

describe('mcp', () => {
  let upstream: TcpServer;
  beforeEach(async () => {
    const definition = defineServer({ name: 'upstream', version: '1.0.0' })
      .tool<{ text: string }>({
        name: 'echo',
        inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
      })
      .build();
    upstream = await listenTcp(definition);
  });
  afterEach(async () => {
    await upstream.close();
  });

  test('pooled MCP sessions: initialized before use, closed when the upstream goes away', async () => {
    const factory = mcpFactory(() =>
      connectTcp({ port: upstream.address.port, clientInfo: { name: 'pool-test', version: '1.0.0' } }),
    );
    const pool = await Pool.start({ factory, min: 2, max: 2, healthCheck: { intervalMs: 5, timeoutMs: 1000 } });
    try {
      expect(upstream.sessions.size).toBe(2);
      const result = await pool.use(({ client }) => client.callTool({ name: 'echo', arguments: { text: 'hi' } }));
      expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
      const closed = nextEvent(pool.events, 'pool:closed');
      await upstream.close();
      // Each session is gone (closed by the upstream, or failing its ping on the way down), never handed out again.
      await closed;
      await eventually(() => pool.stats().size - pool.stats().connecting === 0);
      expect(pool.stats().idle).toBe(0);
    } finally {
      await pool.stop(1000);
    }
  });
});
