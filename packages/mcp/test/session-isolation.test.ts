import crypto from 'node:crypto';
import { Node } from '@erlmcp/otp';
import { connectHttp, type HttpClient } from '../src/client';
import { defineServer, type McpServerDefinition, newSessionId } from '../src/server';
import { listenHttp } from '../src/hosting';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

// Sessions keep to themselves (the class of CVE-2026-25536, where the SDK crossed answers
// between clients): data, answers and notifications of one session never reach another, and a
// session id is a 128-bit secret from the OS CSPRNG that no one can guess.

/** Each session's own value, kept by session id; every way out of the server carries it, tagged. */
function isolatedServer(): McpServerDefinition {
  const store = new Map<string, string>();
  const definition: McpServerDefinition = defineServer({ name: 'isolation', version: '1' })
    .tool<{ tag: string; value: string }>({
      name: 'put',
      inputSchema: {
        type: 'object',
        properties: { tag: { type: 'string' }, value: { type: 'string' } },
        required: ['tag', 'value'],
      },
      handler: async ({ tag, value }, ctx) => {
        store.set(ctx.session.id, value);
        ctx.progress(1, 2, value);
        ctx.log('info', { value });
        // Yield, so that the sessions' calls interleave in the server.
        await new Promise((resolve) => setImmediate(resolve));
        ctx.progress(2, 2, value);
        definition.notifyResourceUpdated(`mem://${tag}`);
        return { content: [{ type: 'text', text: value }] };
      },
    })
    .tool({
      name: 'get',
      handler: (_args, ctx) => ({ content: [{ type: 'text', text: store.get(ctx.session.id) ?? '' }] }),
    })
    .resourceTemplate({
      uriTemplate: 'mem://{tag}',
      name: 'mine',
      read: (uri, _variables, ctx) => [{ uri, text: store.get(ctx.session.id) ?? '' }],
    })
    .build();
  return definition;
}

const textOf = (result: { content?: unknown }): string => (result.content as Array<{ text: string }>)[0]!.text;

describe('session isolation over Streamable HTTP, every session a process', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  test('N concurrent sessions: each sees only its own data, answers, progress, log messages and resource updates', async () => {
    const N = 24;
    const ROUNDS = 5;
    const server = await listenHttp(isolatedServer());
    // On a loaded machine a client's idle keep-alive socket can be closed by the server (5 s by
    // default) just as the client reuses it: fetch then fails. Not what this test is about.
    server.server.keepAliveTimeout = 120_000;
    const clients: HttpClient[] = [];
    try {
      for (let i = 0; i < N; i++)
        clients.push(await connectHttp({ url: server.url, clientInfo: { name: `c${i}`, version: '1' } }));
      const seen: string[][] = clients.map(() => []);
      clients.forEach(({ client }, i) => client.on('notification', (n) => seen[i]!.push(JSON.stringify(n))));
      const updated = clients.map(() => 0);
      clients.forEach(({ client }, i) => client.on('notifications/resources/updated', () => updated[i]!++));
      await Promise.all(
        clients.map(async ({ client }, i) => {
          await client.setLoggingLevel('debug');
          await client.subscribeResource(`mem://t${i}`);
        }),
      );
      // Every session at once, round after round: the same request ids and progress tokens in each.
      await Promise.all(
        clients.map(async ({ client }, i) => {
          for (let r = 0; r < ROUNDS; r++) {
            const value = `t${i}-v${r}`;
            const progress: string[] = [];
            const put = await client.callTool(
              { name: 'put', arguments: { tag: `t${i}`, value } },
              { onProgress: (p) => void progress.push(p.message ?? '') },
            );
            expect(textOf(put)).toBe(value);
            expect(progress).toEqual([value, value]);
            expect(textOf(await client.callTool({ name: 'get', arguments: {} }))).toBe(value);
            const read = await client.readResource({ uri: `mem://t${i}` });
            expect(read.contents).toEqual([{ uri: `mem://t${i}`, text: value }]);
          }
        }),
      );
      // Resource updates come on the GET stream, after their call's answer: wait for them to land.
      for (let wait = 0; wait < 500 && updated.some((n) => n < ROUNDS); wait++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      for (let i = 0; i < N; i++) {
        expect(updated[i]).toBe(ROUNDS);
        // Whatever reached session i names session i's tag and no other.
        for (const text of seen[i]!) {
          const tags = new Set([...text.matchAll(/t(\d+)(-v\d+)?/g)].map((m) => m[1]));
          expect([...tags]).toEqual([String(i)]);
        }
      }
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await server.close();
    }
  });

  test('a session id presented from another connection is that session (the spec binds ids to nothing else), never another', async () => {
    const server = await listenHttp(isolatedServer());
    try {
      const a = await connectHttp({ url: server.url, clientInfo: { name: 'a', version: '1' } });
      const b = await connectHttp({ url: server.url, clientInfo: { name: 'b', version: '1' } });
      await a.client.callTool({ name: 'put', arguments: { tag: 'ta', value: 'a-secret' } });
      await b.client.callTool({ name: 'put', arguments: { tag: 'tb', value: 'b-secret' } });
      // A new TCP connection (raw() uses no agent) with a's id reads a's data, and only a's.
      const get = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get","arguments":{}}}';
      const res = await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': a.sessionId! }, get);
      expect(messages(res)).toEqual([
        expect.objectContaining({
          id: 7,
          result: expect.objectContaining({ content: [{ type: 'text', text: 'a-secret' }] }),
        }),
      ]);
      await a.close();
      await b.close();
    } finally {
      await server.close();
    }
  });

  test('unknown, ended and malformed session ids get 404 on POST, GET and DELETE', async () => {
    const server = await listenHttp(isolatedServer());
    try {
      const ended = await initialize(server.url);
      const gone = new Promise<void>((resolve) => server.host.onSessionEnd(() => resolve()));
      expect((await raw(server.url, 'DELETE', { 'mcp-session-id': ended })).status).toBe(200);
      await gone;
      const live = await initialize(server.url);
      // One character off a live id, an ended id, fresh random ids, junk.
      const flipped = live.slice(0, -1) + (live.endsWith('A') ? 'B' : 'A');
      const ids = [
        ended,
        flipped,
        newSessionId(),
        newSessionId(),
        'x',
        '0'.repeat(200),
        '../../etc',
        live.toUpperCase(),
      ];
      for (const id of ids) {
        const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
        const post = await raw(server.url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': id }, ping);
        expect([id, post.status]).toEqual([id, 404]);
        expect(messages(post)).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: -32001 }) })]);
        const get = await raw(server.url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': id });
        expect([id, get.status]).toEqual([id, 404]);
        expect([id, (await raw(server.url, 'DELETE', { 'mcp-session-id': id })).status]).toEqual([id, 404]);
      }
    } finally {
      await server.close();
    }
  });
});

describe('session id entropy', () => {
  test('100,000 ids: no collisions, 128 bits each, every bit position fair, from crypto.randomBytes', () => {
    // The source: each id is 16 bytes of crypto.randomBytes (the OS CSPRNG), and nothing else.
    const spy = jest.spyOn(crypto, 'randomBytes');
    try {
      const sample = Array.from({ length: 100 }, () => newSessionId());
      expect(spy).toHaveBeenCalledTimes(sample.length);
      expect(spy.mock.calls.every(([size]) => size === 16)).toBe(true);
      expect(spy.mock.results.map((r) => (r.value as Buffer).toString('base64url'))).toEqual(sample);
    } finally {
      spy.mockRestore();
    }
    const COUNT = 100_000;
    const ids = new Set<string>();
    const ones = new Array<number>(128).fill(0);
    const byteCounts = Array.from({ length: 16 }, () => new Array<number>(256).fill(0));
    let wrongLength = 0;
    for (let n = 0; n < COUNT; n++) {
      const id = newSessionId();
      ids.add(id);
      const bytes = Buffer.from(id, 'base64url');
      if (bytes.length !== 16) wrongLength++;
      for (let i = 0; i < 16; i++) {
        const byte = bytes[i]!;
        byteCounts[i]![byte]!++;
        for (let bit = 0; bit < 8; bit++) ones[i * 8 + bit]! += (byte >> bit) & 1;
      }
    }
    expect(wrongLength).toBe(0);
    expect(ids.size).toBe(COUNT);
    // Each bit is set in half the ids: 6 standard deviations (sqrt(n)/2 = 158) is 950.
    for (const count of ones) expect(Math.abs(count - COUNT / 2)).toBeLessThan(950);
    // The Shannon entropy of each byte position, estimated from 100,000 samples: near 8 bits
    // (the estimate's bias for 256 symbols at this size is about 0.002 bits).
    const entropy = byteCounts.map((counts) =>
      counts.reduce((h, c) => (c === 0 ? h : h - (c / COUNT) * Math.log2(c / COUNT)), 0),
    );
    const total = entropy.reduce((a, b) => a + b, 0);
    expect(Math.min(...entropy)).toBeGreaterThan(7.99);
    expect(total).toBeGreaterThan(127.8);
  });
});
