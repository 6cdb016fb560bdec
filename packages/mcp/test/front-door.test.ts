import cluster from 'node:cluster';
import path from 'node:path';
import { type FrontDoor, startFrontDoor } from '../src/hosting';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

/**
 * The multi-process front door: two cluster workers on one port, each running
 * fixtures/front-door-worker.js (the compiled package: `npm run build` first). `raw` opens a
 * connection per request, so the primary's round robin spreads them across the workers.
 */
const V = '2026-07-28';
const WORKER = path.join(__dirname, 'fixtures/front-door-worker.js');

function modern(name: string, id: number, extra: Record<string, unknown> = {}) {
  return {
    headers: { ...JSON_HEADERS, 'mcp-protocol-version': V, 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name,
        arguments: {},
        ...extra,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': V,
          'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
        },
      },
    }),
  };
}

type Answer = { result?: { structuredContent?: Record<string, unknown> } & Record<string, unknown>; error?: unknown };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('front door: cluster workers sharing one port', () => {
  let door: FrontDoor;
  let pids: number[];

  beforeAll(async () => {
    door = await startFrontDoor({ exec: WORKER, workers: 2, execArgv: [], stopTimeoutMs: 20_000 });
    pids = door.pids();
  }, 120_000);

  afterAll(async () => {
    await door?.close();
  }, 60_000);

  it('starts the workers asked for, on one port', () => {
    expect(pids).toHaveLength(2);
    expect(new Set(pids).size).toBe(2);
    expect(door.url).toBe(`http://127.0.0.1:${door.port}/mcp`);
    expect(door.port).toBeGreaterThan(0);
  });

  it('serves 2026-07-28 requests from more than one process', async () => {
    const served = new Set<number>();
    for (let i = 0; i < 40 && served.size < 2; i++) {
      const { headers, body } = modern('whoami', i);
      const res = await raw(door.url, 'POST', headers, body);
      expect(res.status).toBe(200);
      const answers = messages(res) as Answer[];
      const final = answers[answers.length - 1]!;
      served.add(final.result!.structuredContent!.pid as number);
    }
    expect([...served].sort()).toEqual([...pids].sort());
  });

  it('a requestState signed by one worker is accepted by another (one shared key)', async () => {
    let crossed = 0;
    for (let i = 0; i < 20 && crossed < 2; i++) {
      const first = await raw(door.url, 'POST', modern('ask', 1).headers, modern('ask', 1).body);
      const asked = JSON.parse(first.body) as { result: { resultType: string; requestState: string } };
      expect(asked.result.resultType).toBe('input_required');
      const retry = modern('ask', 2, {
        inputResponses: { who: { action: 'accept', content: {} } },
        requestState: asked.result.requestState,
      });
      const second = JSON.parse((await raw(door.url, 'POST', retry.headers, retry.body)).body) as Answer;
      const { askedBy, answeredBy } = second.result!.structuredContent! as { askedBy: number; answeredBy: number };
      expect(pids).toContain(askedBy);
      expect(pids).toContain(answeredBy);
      if (askedBy !== answeredBy) crossed += 1;
    }
    expect(crossed).toBeGreaterThan(0);
  });

  it('routes tasks/* to the worker that holds the task, whichever worker takes the connection', async () => {
    const tasks = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const meta = { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientCapabilities': tasks };
    const madeBy = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const create = modern('slowtask', i);
      const body = JSON.parse(create.body) as { params: { _meta: Record<string, unknown> } };
      body.params._meta['io.modelcontextprotocol/clientCapabilities'] = tasks;
      const created = JSON.parse((await raw(door.url, 'POST', create.headers, JSON.stringify(body))).body) as Answer;
      const taskId = created.result!.taskId as string;
      expect(created.result!.resultType).toBe('task');
      madeBy.add(taskId.split('.')[0]!);
      // Each poll on a connection of its own: the round robin hands some to the other worker.
      let status = 'working';
      for (let poll = 0; poll < 200 && status === 'working'; poll++) {
        const got = await raw(
          door.url,
          'POST',
          { ...JSON_HEADERS, 'mcp-protocol-version': V, 'mcp-method': 'tasks/get', 'mcp-name': taskId },
          JSON.stringify({ jsonrpc: '2.0', id: 100 + poll, method: 'tasks/get', params: { taskId, _meta: meta } }),
        );
        const answer = JSON.parse(got.body) as Answer;
        expect(answer.error).toBeUndefined();
        status = answer.result!.status as string;
        if (status === 'completed')
          expect(pids).toContain(
            (answer.result!.result as { structuredContent: { ranIn: number } }).structuredContent.ranIn,
          );
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(status).toBe('completed');
    }
    expect([...madeBy].every((index) => index === '0' || index === '1')).toBe(true);
  });

  it('routes a handle to the worker that minted it by its Mcp-Param header, for its principal only', async () => {
    type Cart = { cart: string; items: string[]; servedBy: number };
    const call = async (args: Record<string, string>, id: number, extra: Record<string, string> = {}) => {
      const { headers, body } = modern('cart', id);
      const parsed = JSON.parse(body) as { params: { arguments: Record<string, string> } };
      parsed.params.arguments = args;
      const res = await raw(door.url, 'POST', { ...headers, ...extra }, JSON.stringify(parsed));
      return { status: res.status, answer: JSON.parse(res.body) as Answer };
    };
    // Mint until both workers hold a cart (each request on a connection of its own).
    const carts = new Map<string, Cart>();
    for (let i = 0; i < 40 && carts.size < 2; i++) {
      const made = (await call({}, i)).answer.result!.structuredContent as Cart;
      expect(made.cart).toMatch(/^mcph_[01]\.[A-Za-z0-9_-]{22}$/);
      carts.set(made.cart.slice(5, 6), made);
    }
    expect([...carts.keys()].sort()).toEqual(['0', '1']);
    for (const made of carts.values()) {
      // Six calls, each on a new connection: the round robin gives some to the other worker,
      // which forwards them; every one is served where the handle lives and sees its items.
      for (let n = 0; n < 6; n++) {
        const { answer } = await call({ cart: made.cart, add: `item${n}` }, 100 + n, { 'mcp-param-cart': made.cart });
        expect(answer.error).toBeUndefined();
        const got = answer.result!.structuredContent as Cart;
        expect(got.servedBy).toBe(made.servedBy);
        expect(got.items).toEqual(Array.from({ length: n + 1 }, (_, k) => `item${k}`));
      }
    }
    const [zero, one] = [carts.get('0')!, carts.get('1')!];
    // Another principal (another Authorization header) reaches the owner and is told the handle does not exist.
    for (let n = 0; n < 4; n++) {
      const { answer } = await call({ cart: zero.cart }, 200 + n, {
        'mcp-param-cart': zero.cart,
        authorization: 'Bearer someone-else',
      });
      expect(answer.error).toMatchObject({ code: -32602, message: 'Unknown or expired handle' });
    }
    // A header naming one worker's handle over a body holding the other's: the owner named by the header refuses it.
    const forged = await call({ cart: one.cart }, 300, { 'mcp-param-cart': zero.cart });
    expect(forged.status).toBe(400);
    expect(forged.answer.error).toMatchObject({ code: -32020 });
    // Without the header the server refuses the call (the tool annotates its handle argument).
    const bare = await call({ cart: zero.cart }, 301);
    expect(bare.answer.error).toMatchObject({ code: -32020 });
    // The state is intact and still served.
    const last = (await call({ cart: zero.cart }, 302, { 'mcp-param-cart': zero.cart })).answer;
    expect((last.result!.structuredContent as Cart).items).toHaveLength(6);
  });

  it('keeps 2025 sessions with the worker that owns them, whichever worker takes the connection', async () => {
    // Each initialize on a connection of its own: the sessions land on both workers.
    const sessions = await Promise.all([0, 1, 2, 3].map(() => initialize(door.url)));
    expect(new Set(sessions.map((id) => id.split('.')[0])).size).toBe(2);
    const owners = new Map<string, Set<number>>(sessions.map((id) => [id, new Set()]));
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        sessions.map(async (id, n) => {
          const res = await raw(
            door.url,
            'POST',
            { ...JSON_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
            JSON.stringify({
              jsonrpc: '2.0',
              id: round * 10 + n,
              method: 'tools/call',
              params: { name: 'whoami', arguments: {}, _meta: { progressToken: `t${n}` } },
            }),
          );
          expect(res.status).toBe(200);
          const answers = messages(res) as (Answer & { method?: string })[];
          // The SSE stream came through the forwarding worker event by event: progress, then the answer.
          expect(answers.map((m) => m.method ?? 'answer')).toEqual(['notifications/progress', 'answer']);
          owners.get(id)!.add(answers[1]!.result!.structuredContent!.pid as number);
        }),
      );
    }
    for (const served of owners.values()) expect(served.size).toBe(1);
    // A DELETE forwarded ends the session at its owner; from then on it is unknown everywhere.
    for (const id of sessions) {
      expect((await raw(door.url, 'DELETE', { 'mcp-session-id': id })).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        const res = await raw(
          door.url,
          'POST',
          { ...JSON_HEADERS, 'mcp-session-id': id },
          JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        );
        expect(res.status).toBe(404);
      }
    }
  });

  it('answers a forged session id with 404 on any worker and keeps serving', async () => {
    for (const id of ['1.nope', '0.nope', '7.nope', 'nope', '999999.x']) {
      const res = await raw(
        door.url,
        'POST',
        { ...JSON_HEADERS, 'mcp-session-id': id },
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      );
      expect(res.status).toBe(404);
    }
    const { headers, body } = modern('whoami', 1);
    expect((await raw(door.url, 'POST', headers, body)).status).toBe(200);
  });
});

describe('front door: a worker that crashes', () => {
  it('is restarted in its place; the front door goes on serving from two processes', async () => {
    const exits: { index: number; code: number | null }[] = [];
    const door = await startFrontDoor({
      exec: WORKER,
      workers: 2,
      execArgv: [],
      stopTimeoutMs: 20_000,
      onWorkerExit: ({ index, code }) => exits.push({ index, code }),
    });
    try {
      const before = door.pids();
      await raw(door.url, 'POST', modern('crash', 1).headers, modern('crash', 1).body).catch(() => undefined);
      for (let i = 0; i < 600 && !(exits.length === 1 && door.pids().length === 2); i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(exits).toEqual([{ index: expect.any(Number), code: 7 }]);
      const after = door.pids();
      expect(after).toHaveLength(2);
      expect(after.filter((pid) => !before.includes(pid))).toHaveLength(1);
      // The new worker takes connections once it listens: both processes answer again.
      const served = new Set<number>();
      for (let i = 0; i < 200 && served.size < 2; i++) {
        const res = await raw(door.url, 'POST', modern('whoami', i).headers, modern('whoami', i).body);
        const answers = messages(res) as Answer[];
        served.add(answers[answers.length - 1]!.result!.structuredContent!.pid as number);
        if (served.size < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect([...served].sort()).toEqual([...after].sort());
    } finally {
      await door.close();
    }
  }, 120_000);
});

describe('front door: shutdown', () => {
  it('stops every worker, and none is left running', async () => {
    const door = await startFrontDoor({ exec: WORKER, workers: 2, execArgv: [], stopTimeoutMs: 20_000 });
    const pids = door.pids();
    const session = await initialize(door.url);
    expect(session).toMatch(/^[01]\./);
    await door.close();
    expect(pids.filter(isAlive)).toEqual([]);
    await expect(raw(door.url, 'POST', modern('whoami', 1).headers, modern('whoami', 1).body)).rejects.toThrow();
  }, 120_000);

  it('refuses to start when a worker dies before it listens, and stops the one that came up', async () => {
    await expect(
      startFrontDoor({ exec: path.join(__dirname, 'fixtures/front-door-half-broken.js'), workers: 2, execArgv: [] }),
    ).rejects.toThrow(/worker 1 exited \(3\) before listening/);
    expect(Object.keys(cluster.workers ?? {})).toEqual([]);
  }, 120_000);
});
