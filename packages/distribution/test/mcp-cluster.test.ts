// MCP across nodes: three nodes, each its own OS process serving one definition on its own
// port, joined over a real nats-server. The jest process is only the client (and the
// round-robin balancer): it picks the port of each request itself.
import { request, type IncomingMessage } from 'node:http';
import { NatsServer } from '../../../test-support/nats-server';
import { TIMING } from './helpers';
import {
  initialize,
  JSON_HEADERS,
  LEGACY,
  McpNode,
  messages,
  modern,
  post,
  probe,
  sessionCall,
  statelessCall,
  type Answer,
  type Message,
} from './mcp-helpers';

jest.setTimeout(180_000);

let server: NatsServer;
let a: McpNode;
let b: McpNode;
let c: McpNode;
const cluster = 'mcp';
/** What a held when it was killed, for the restart test. */
let killed: { session: string; taskId: string; prefix: string } | undefined;

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

/** The owner prefix of what node `node` mints (`<number in base 36>.`), read off a session id it issued. */
async function prefixOf(node: McpNode): Promise<string> {
  const session = await initialize(node.url);
  return session.slice(0, session.indexOf('.') + 1);
}

/** Polls tasks/get through the nodes in turn until the task's status is `status` (bounded: 60 s). */
async function untilStatus(taskId: string, status: string, through: McpNode[]): Promise<Record<string, any>> {
  const deadline = Date.now() + 60_000;
  for (let i = 0; ; i++) {
    const { answer } = await modern(through[i % through.length]!.url, 'tasks/get', { taskId }, 100 + i);
    if (answer.result?.status === status) return answer.result;
    if (Date.now() > deadline) throw new Error(`task ${taskId} never ${status}: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function notFound(answer: Answer): void {
  expect(answer.error).toMatchObject({ code: -32602 });
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

test('a 2026-07-28 task made on a is read, answered and polled through b and c, round robin', async () => {
  const made = await modern(a.url, 'tools/call', { name: 'asks', arguments: {} }, 1);
  expect(made.answer.result).toMatchObject({ resultType: 'task' });
  const taskId = made.answer.result!.taskId as string;
  expect(taskId.startsWith(await prefixOf(a))).toBe(true);
  const asking = await untilStatus(taskId, 'input_required', [b, c]);
  expect(asking.inputRequests).toMatchObject({ who: { method: 'elicitation/create' } });
  const who = { action: 'accept', content: { name: 'ada' } };
  const ack = await modern(c.url, 'tasks/update', { taskId, inputResponses: { who } }, 2);
  expect(ack.answer.result).toMatchObject({ resultType: 'complete' });
  const done = await untilStatus(taskId, 'completed', [b, c, a]);
  expect(done.result.content).toEqual([{ type: 'text', text: 'hello ada from a' }]);
  expect((await probe(b.url)).forwardedOut).toBeGreaterThan(0);
});

test('tasks/cancel through c ends a task b holds; a read through a sees it cancelled', async () => {
  const made = await modern(b.url, 'tools/call', { name: 'waits', arguments: {} }, 1);
  const taskId = made.answer.result!.taskId as string;
  expect((await modern(a.url, 'tasks/get', { taskId }, 2)).answer.result).toMatchObject({ status: 'working' });
  expect((await modern(c.url, 'tasks/cancel', { taskId }, 3)).answer.result).toMatchObject({ resultType: 'complete' });
  expect((await modern(a.url, 'tasks/get', { taskId }, 4)).answer.result).toMatchObject({ status: 'cancelled' });
});

test('tampered, forged and unknown task ids are -32602 through any node, which serve on', async () => {
  const made = await modern(c.url, 'tools/call', { name: 'waits', arguments: {} }, 1);
  const taskId = made.answer.result!.taskId as string;
  const dot = taskId.indexOf('.');
  const random = taskId.slice(dot + 1);
  const altered = `${taskId.slice(0, -1)}${taskId.endsWith('A') ? 'B' : 'A'}`;
  for (const through of [a, b, c]) {
    notFound((await modern(through.url, 'tasks/get', { taskId: altered }, 2)).answer);
    // Another live node's prefix on this task's random part: that node holds no such task.
    notFound((await modern(through.url, 'tasks/get', { taskId: `${await prefixOf(a)}${random}` }, 3)).answer);
    // A prefix no node has, and no prefix at all: answered where they land.
    notFound((await modern(through.url, 'tasks/get', { taskId: `zzzzzz.${random}` }, 4)).answer);
    notFound((await modern(through.url, 'tasks/cancel', { taskId: random }, 5)).answer);
  }
  // Mcp-Name naming one task over a body naming another: the owner named by the header refuses it.
  const mismatch = await post(
    b.url,
    'POST',
    { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tasks/get', 'mcp-name': taskId },
    JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tasks/get', params: { taskId: altered } }),
  );
  expect(mismatch.status).toBeGreaterThanOrEqual(400);
  expect((await modern(a.url, 'tasks/cancel', { taskId }, 7)).answer.result).toMatchObject({ resultType: 'complete' });
});

test('a handle minted on a is served by a through every node, for its principal only; altered it is -32602', async () => {
  const prefix = await prefixOf(a);
  const first = await modern(a.url, 'tools/call', { name: 'cart', arguments: {} }, 1);
  const cart = first.answer.result!.structuredContent.cart as string;
  expect(cart).toMatch(new RegExp(`^mcph_${prefix.replace('.', '\\.')}[A-Za-z0-9_-]{22}$`));
  let n = 0;
  for (const through of [b, c, a, c, b]) {
    const args = { cart, add: `item${++n}` };
    const { answer } = await modern(through.url, 'tools/call', { name: 'cart', arguments: args }, 10 + n, {
      'mcp-param-cart': cart,
    });
    expect(answer.result!.structuredContent).toMatchObject({ node: 'a', items: expect.arrayContaining([`item${n}`]) });
    expect(answer.result!.structuredContent.items).toHaveLength(n);
  }
  const mallory = await modern(c.url, 'tools/call', { name: 'cart', arguments: { cart } }, 20, {
    'mcp-param-cart': cart,
    authorization: 'Bearer mallory',
  });
  notFound(mallory.answer);
  const altered = `${cart.slice(0, -1)}${cart.endsWith('A') ? 'B' : 'A'}`;
  notFound(
    (
      await modern(b.url, 'tools/call', { name: 'cart', arguments: { cart: altered } }, 21, {
        'mcp-param-cart': altered,
      })
    ).answer,
  );
});

test('a forwarded SSE stream whose reader stops: bounded memory at owner and relay, other sessions served, nothing lost or reordered', async () => {
  const session = await initialize(b.url);
  const count = 800;
  const size = 32 * 1024; // 25 MiB in all, far past every buffer on the way
  const target = new URL(c.url);
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'flood', arguments: { count, size }, _meta: { progressToken: 'flood' } },
  });
  const headers = { ...JSON_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': LEGACY };
  // Through c, a reader that reads nothing until told.
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(
      { hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent: false },
      (answer) => {
        answer.pause();
        resolve(answer);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  expect(res.statusCode).toBe(200);
  // The owner's tool makes every event; the owner's forwarder holds the stream for credit.
  const deadline = Date.now() + 120_000;
  let owner = await probe(b.url);
  while (!(owner.flood.done === true && owner.heldForCredit >= 1)) {
    if (Date.now() > deadline) throw new Error(`the owner never held the stream: ${JSON.stringify(owner)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    owner = await probe(b.url);
  }
  const relay = await probe(c.url);
  // Bounded by the credit window (256 KiB) and one read, not by the 25 MiB the tool made.
  expect(owner.awaitingCredit).toBeLessThanOrEqual(1024 * 1024);
  expect(owner.peakUncredited).toBeLessThanOrEqual(1024 * 1024);
  expect(relay.relayBuffered).toBeLessThanOrEqual(1024 * 1024);
  // Other sessions of the same owner, through the same relay, are served meanwhile.
  const other = await initialize(b.url);
  expect(finalOf(await sessionCall(c.url, other, 'whoami', 1)).result?.structuredContent).toEqual({ node: 'b' });
  // The reader resumes: every event, in order, then the answer.
  res.setEncoding('utf8');
  let text = '';
  res.on('data', (chunk: string) => (text += chunk));
  res.resume();
  await new Promise((resolve) => res.once('end', resolve));
  const all = messages({ status: 200, headers: res.headers, body: text });
  const progress = all.filter((m) => m.method === 'notifications/progress').map((m) => m.params!.progress);
  expect(progress).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(all[all.length - 1]).toMatchObject({ id: 9, result: { structuredContent: { node: 'b', count } } });
});

test("killing a loses only a's sessions: 404 through b, then a new session works; b's session lives on", async () => {
  const onA = await initialize(a.url);
  const onB = await initialize(b.url);
  expect((await sessionCall(c.url, onA, 'whoami', 1)).status).toBe(200);
  // a's task and handle, and a call carrying the handle in flight through b when a goes.
  const taskId = (await modern(a.url, 'tools/call', { name: 'waits', arguments: {} }, 1)).answer.result!
    .taskId as string;
  const cart = (await modern(a.url, 'tools/call', { name: 'cart', arguments: {} }, 2)).answer.result!.structuredContent
    .cart as string;
  const hanging = modern(b.url, 'tools/call', { name: 'cart', arguments: { cart, hang: true } }, 3, {
    'mcp-param-cart': cart,
  });
  // A GET stream of a's session, open through c: it must end when a goes, not hang.
  const stream = await openStream(c.url, onA);
  let over = false;
  void stream.ended.then(() => (over = true));
  expect((await sessionCall(b.url, onA, 'whoami', 11)).status).toBe(200);
  expect(over).toBe(false); // an open stream stays open while its owner lives
  killed = { session: onA, taskId, prefix: await prefixOf(a) };
  await a.kill();
  await stream.ended;
  // Until b notices a is gone (missed heartbeats) the request waits; then the client is told the session is gone.
  const lost = await sessionCall(b.url, onA, 'whoami', 2);
  expect(lost.status).toBe(404);
  expect(JSON.parse(lost.body)).toMatchObject({ error: { code: -32001 } });
  expect((await sessionCall(c.url, onA, 'whoami', 3)).status).toBe(404);
  // a's task and handle are gone with it: the spec's not-found error, from the node the request reached.
  notFound((await hanging).answer);
  notFound((await modern(b.url, 'tasks/get', { taskId }, 4)).answer);
  notFound((await modern(c.url, 'tasks/cancel', { taskId }, 5)).answer);
  notFound(
    (await modern(c.url, 'tools/call', { name: 'cart', arguments: { cart } }, 6, { 'mcp-param-cart': cart })).answer,
  );
  // As the spec says: a client told 404 starts a new session, on whichever node it reaches.
  const fresh = await initialize(c.url);
  expect(finalOf(await sessionCall(b.url, fresh, 'whoami', 4)).result?.structuredContent).toEqual({ node: 'c' });
  expect(finalOf(await sessionCall(c.url, onB, 'whoami', 5)).result?.structuredContent).toEqual({ node: 'b' });
  const stateless = await statelessCall(b.url, 'whoami', 6);
  expect(finalOf(stateless).result?.structuredContent).toEqual({ node: 'b' });
});

test("a restarted a (same name, a new number) never gets its predecessor's sessions or tasks; its own are served", async () => {
  const lost = killed!;
  const again = await McpNode.start({ servers: server.url, name: 'a', cluster, ...TIMING });
  try {
    const prefix = await prefixOf(again);
    expect(prefix).not.toBe(lost.prefix);
    // Its new sessions are reached through b and c once they have heard it (heartbeats, its registration).
    const fresh = await initialize(again.url);
    for (const through of [b, c]) {
      const deadline = Date.now() + 60_000;
      while ((await sessionCall(through.url, fresh, 'whoami', 1)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`${through.name} never reached the new a`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const before = (await probe(again.url)).forwardedIn as number;
    for (const through of [b, c, again]) {
      expect((await sessionCall(through.url, lost.session, 'whoami', 2)).status).toBe(404);
      notFound((await modern(through.url, 'tasks/get', { taskId: lost.taskId }, 3)).answer);
    }
    // Nothing of the old run was forwarded to the new one.
    expect((await probe(again.url)).forwardedIn).toBe(before);
  } finally {
    await again.stop();
  }
});

test("a partition of c and its healing: c's sessions are 404 through b while c is away, and served through b again after", async () => {
  const onC = await initialize(c.url);
  expect(finalOf(await sessionCall(b.url, onC, 'whoami', 1)).result?.structuredContent).toEqual({ node: 'c' });
  await c.command('disconnect');
  // Once b misses c's heartbeats, c is gone for it: its sessions are 404 (no hang).
  const deadline = Date.now() + 60_000;
  while ((await sessionCall(b.url, onC, 'whoami', 2)).status !== 404) {
    if (Date.now() > deadline) throw new Error('b never saw c go');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await c.command('reconnect');
  // Healed: the same forwarder, registered again, serves the same session through b.
  const healed = Date.now() + 60_000;
  for (;;) {
    const reply = await sessionCall(b.url, onC, 'whoami', 3);
    if (reply.status === 200) {
      expect(finalOf(reply).result?.structuredContent).toEqual({ node: 'c' });
      break;
    }
    if (Date.now() > healed) throw new Error(`b never reached c again: ${reply.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});
