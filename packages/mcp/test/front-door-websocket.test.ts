import path from 'node:path';
import { connectWebSocket } from '../src/client';
import { type FrontDoor, startFrontDoor } from '../src/hosting';

/**
 * WebSocket behind the front door: a connection is a whole session, so the worker that
 * took the upgrade owns it and answers all of its requests; no routing is needed. Two
 * cluster workers running fixtures/front-door-ws-worker.js (the compiled package: `npm run
 * build` first); each answer says which process served it.
 */
const WORKER = path.join(__dirname, 'fixtures/front-door-ws-worker.js');

type Connected = Awaited<ReturnType<typeof connectWebSocket>>;

async function whoami(ws: Connected, n: number): Promise<{ pid: number; n: number }> {
  const result = (await ws.client.callTool({ name: 'whoami', arguments: { n } })) as {
    structuredContent?: { pid: number; n: number };
  };
  return result.structuredContent!;
}

describe('front door: WebSocket sessions', () => {
  let door: FrontDoor;
  const open: Connected[] = [];

  beforeAll(async () => {
    door = await startFrontDoor({ exec: WORKER, workers: 2, execArgv: [], stopTimeoutMs: 20_000, maxRestarts: 0 });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(open.map((ws) => ws.close()));
    await door?.close();
  }, 60_000);

  it('spreads connections over the workers; each session is answered by the worker that took it', async () => {
    const url = `ws://127.0.0.1:${door.port}/ws`;
    const owners = new Map<Connected, number>();
    // Round robin hands connections to the workers in turn; bounded in case one is slow to take them.
    for (let i = 0; i < 40 && new Set(owners.values()).size < 2; i++) {
      const ws = await connectWebSocket({ url, clientInfo: { name: `ws-${i}`, version: '1' } });
      open.push(ws);
      owners.set(ws, (await whoami(ws, 0)).pid);
    }
    expect([...new Set(owners.values())].sort()).toEqual([...door.pids()].sort());
    // Every later request of a session, sent while all sessions are busy, comes back from its owner, with its own n.
    const rounds = await Promise.all(
      open.flatMap((ws, i) => [1, 2, 3].map(async (k) => ({ ws, n: i * 10 + k, got: await whoami(ws, i * 10 + k) }))),
    );
    for (const { ws, n, got } of rounds) expect(got).toEqual({ pid: owners.get(ws), n });
  }, 60_000);

  it('a worker that crashes takes only its own WebSocket sessions with it', async () => {
    const url = `ws://127.0.0.1:${door.port}/ws`;
    const byPid = new Map<number, Connected[]>();
    for (const ws of open) {
      const pid = (await whoami(ws, 0)).pid;
      byPid.set(pid, [...(byPid.get(pid) ?? []), ws]);
    }
    const [victim, survivor] = [...byPid.keys()];
    const closed = byPid.get(victim!)!.map((ws) => new Promise((resolve) => ws.socket.once('close', resolve)));
    await byPid
      .get(victim!)![0]!
      .client.callTool({ name: 'crash', arguments: {} })
      .catch(() => undefined);
    await Promise.all(closed);
    for (const ws of byPid.get(survivor!)!) expect((await whoami(ws, 5)).pid).toBe(survivor);
    // The door goes on taking WebSocket connections (maxRestarts 0: the surviving worker takes them).
    const late = await connectWebSocket({ url, clientInfo: { name: 'late', version: '1' } });
    open.push(late);
    expect((await whoami(late, 9)).pid).toBe(survivor);
  }, 60_000);
});
