// MCP across nodes: three nodes, each its own OS process serving one definition on its own
// port, joined over a real nats-server. The jest process is only the client (and the
// round-robin balancer): it picks the port of each request itself.
import { request, type IncomingMessage } from 'node:http';
import { NatsServer } from '../../../test-support/nats-server';
import { TIMING } from './helpers';
import { initialize, LEGACY, McpNode, messages, post, sessionCall, statelessCall, type Message } from './mcp-helpers';

jest.setTimeout(180_000);

let server: NatsServer;
let a: McpNode;
let b: McpNode;
let c: McpNode;
const cluster = 'mcp';

/** Opens a session's GET SSE stream through `url`; resolves once the stream is open, with a promise of its end. */
function openStream(url: string, session: string): Promise<{ ended: Promise<void> }> {
  const headers = { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY };
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: target.hostname, port: target.port, path: target.pathname, method: 'GET', headers, agent: false },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) return reject(new Error(`GET stream: ${res.statusCode}`));
        res.resume();
        // Ended or cut (the relay destroys it when the owner's node is gone): either way it is over.
        resolve({ ended: new Promise<void>((ended) => res.once('close', () => ended())) });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function finalOf(reply: { status: number; headers: Record<string, unknown>; body: string }): Message {
  const all = messages(reply as Parameters<typeof messages>[0]);
  return all[all.length - 1]!;
}

beforeAll(async () => {
  server = await NatsServer.start();
  const join = (name: string) => McpNode.start({ servers: server.url, name, cluster, ...TIMING });
  [a, b, c] = await Promise.all([join('a'), join('b'), join('c')]);
  // A node forwards only to nodes it has heard: wait until every node answers a session of every other.
  for (const owner of [a, b, c]) {
    const session = await initialize(owner.url);
    for (const through of [a, b, c]) {
      const deadline = Date.now() + 60_000;
      while ((await sessionCall(through.url, session, 'whoami', 1)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`${through.name} never reached ${owner.name}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  await server?.stop();
});

test('2026-07-28 requests are answered by whichever node gets them: nothing is forwarded', async () => {
  for (const node of [a, b, c]) {
    for (let i = 0; i < 3; i++) {
      const reply = await statelessCall(node.url, 'whoami', i);
      expect(reply.status).toBe(200);
      expect(finalOf(reply).result?.structuredContent).toEqual({ node: node.name });
    }
  }
});

test('a session opened on a is used through b and c: every call runs on a', async () => {
  const session = await initialize(a.url);
  let id = 10;
  for (const through of [b, c, a, c, b]) {
    const reply = await sessionCall(through.url, session, 'whoami', id);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^(application\/json|text\/event-stream)/);
    expect(finalOf(reply)).toMatchObject({ id, result: { structuredContent: { node: 'a' } } });
    id++;
  }
});

test("a session's SSE answer flows back through the node the request reached, event by event", async () => {
  const session = await initialize(b.url);
  const reply = await sessionCall(c.url, session, 'steps', 7, { progressToken: 'p7' });
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
  const all = messages(reply);
  const progress = all.filter((m) => m.method === 'notifications/progress').map((m) => m.params?.message);
  expect(progress).toEqual(['step 1 on b', 'step 2 on b', 'step 3 on b']);
  expect(all[all.length - 1]).toMatchObject({ id: 7, result: { structuredContent: { node: 'b' } } });
});

test("a session's GET stream opens through another node, and DELETE through a third ends the session", async () => {
  const session = await initialize(c.url);
  const headers = { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': LEGACY };
  const stream = await new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
    const target = new URL(a.url);
    const req = request(
      { hostname: target.hostname, port: target.port, path: target.pathname, method: 'GET', headers, agent: false },
      (res: IncomingMessage) => {
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] });
        // The client goes away: the relay ends the stream at the owner too.
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end();
  });
  expect(stream).toEqual({ status: 200, type: expect.stringMatching(/^text\/event-stream/) });
  const deleted = await post(b.url, 'DELETE', { 'mcp-session-id': session, 'mcp-protocol-version': LEGACY });
  expect(deleted.status).toBe(200);
  const after = await sessionCall(a.url, session, 'whoami', 1);
  expect(after.status).toBe(404);
});

test('an unknown session id of a live node is answered 404 by its owner, a forged one by the node it reached', async () => {
  const session = await initialize(a.url);
  const unknown = `${session.slice(0, session.indexOf('.') + 1)}nosuchsession`;
  expect((await sessionCall(b.url, unknown, 'whoami', 1)).status).toBe(404);
  expect((await sessionCall(b.url, 'zzzz-zz.forged', 'whoami', 1)).status).toBe(404);
  expect((await sessionCall(b.url, 'not-a-cluster-id', 'whoami', 1)).status).toBe(404);
  // The nodes serve on.
  expect((await sessionCall(c.url, session, 'whoami', 2)).status).toBe(200);
});

test("killing a loses only a's sessions: 404 through b, then a new session works; b's session lives on", async () => {
  const onA = await initialize(a.url);
  const onB = await initialize(b.url);
  expect((await sessionCall(c.url, onA, 'whoami', 1)).status).toBe(200);
  // A GET stream of a's session, open through c: it must end when a goes, not hang.
  const stream = await openStream(c.url, onA);
  let over = false;
  void stream.ended.then(() => (over = true));
  expect((await sessionCall(b.url, onA, 'whoami', 11)).status).toBe(200);
  expect(over).toBe(false); // an open stream stays open while its owner lives
  await a.kill();
  await stream.ended;
  // Until b notices a is gone (missed heartbeats) the request waits; then the client is told the session is gone.
  const lost = await sessionCall(b.url, onA, 'whoami', 2);
  expect(lost.status).toBe(404);
  expect(JSON.parse(lost.body)).toMatchObject({ error: { code: -32001 } });
  expect((await sessionCall(c.url, onA, 'whoami', 3)).status).toBe(404);
  // As the spec says: a client told 404 starts a new session, on whichever node it reaches.
  const fresh = await initialize(c.url);
  expect(finalOf(await sessionCall(b.url, fresh, 'whoami', 4)).result?.structuredContent).toEqual({ node: 'c' });
  expect(finalOf(await sessionCall(c.url, onB, 'whoami', 5)).result?.structuredContent).toEqual({ node: 'b' });
  const stateless = await statelessCall(b.url, 'whoami', 6);
  expect(finalOf(stateless).result?.structuredContent).toEqual({ node: 'b' });
});
