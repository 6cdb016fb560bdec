// The DistNode API on every scheduler thread: this jest process is node 'a' with 3 schedulers
// (two worker threads); processes on each thread use DistNode.here() (fixtures/threads.cjs)
// for membership, the global registry, spawns and starts on other nodes, remote children and
// monitorNode. Peer 'b' (2 schedulers) stays up; peer 'c' is killed by the last test.
import path from 'node:path';
import fc from 'fast-check';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { DownMessage, GenServer, Pid, spawn, Supervisor, type ProcessContext } from '@erlmcp/otp';
import { DistNode, type NodeDownMessage } from '@erlmcp/distribution';
import { NatsServer } from '../../../test-support/nats-server';
import { CODE, inProcess, Peer, PATIENT, TIMING, waitFor } from './helpers';

jest.setTimeout(240_000);

const THREADS = path.join(__dirname, 'fixtures', 'threads.cjs');
const cluster = 'threads';
const schedulerOf = (pid: Pid) => pid.id % 64;

let server: NatsServer;
let a: DistNode;
let b: Peer;
let c: Peer;

beforeAll(async () => {
  server = await NatsServer.start();
  // Patient with b, but c must be found dead by the last test: TIMING's 6 s of silence.
  a = await DistNode.start({
    servers: server.url,
    name: 'a',
    cluster,
    ...TIMING,
    node: { logLevel: 'silent', schedulers: 3 },
  });
  b = await Peer.start({ servers: server.url, name: 'b', cluster, ...PATIENT, schedulers: 2 });
  c = await Peer.start({ servers: server.url, name: 'c', cluster, ...TIMING });
  await a.waitForNodes(['b', 'c'], 60_000);
});

afterAll(async () => {
  await c?.stop();
  await b?.stop();
  await a?.stop();
  await server?.stop();
});

type Answer = { seq: number; ok?: unknown; error?: string; code?: string | null; message?: string };
type Signal = { signal: 'exit' | 'down'; from: Pid; reason: unknown; on: Pid };

let seqs = 0;

/** Users (fixtures/threads.cjs `user`) on the schedulers asked for, driven from `ctx`. */
class Users {
  private constructor(
    private readonly ctx: ProcessContext,
    readonly pids: Pid[],
  ) {}

  static async start(ctx: ProcessContext, schedulers: number[]): Promise<Users> {
    const pids: Pid[] = [];
    for (const k of schedulers) {
      spawn({ module: THREADS, export: 'user', args: [ctx.self] }, { scheduler: k });
      const ready = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'ready' in m)) as {
        ready: Pid;
        scheduler: number;
      };
      expect(ready.scheduler).toBe(k);
      pids.push(ready.ready);
    }
    return new Users(ctx, pids);
  }

  /** Runs `command` on user `i` (the user on schedulers[i]); resolves with its answer. */
  async ask(i: number, command: Record<string, unknown>): Promise<Answer> {
    const seq = ++seqs;
    this.ctx.send(this.pids[i]!, { ...command, seq });
    return (await this.ctx.receive((m) => (m as Answer | null)?.seq === seq)) as Answer;
  }

  async ok(i: number, command: Record<string, unknown>): Promise<unknown> {
    const answer = await this.ask(i, command);
    if (answer.error !== undefined) throw new Error(`${answer.error}: ${answer.message}`);
    return answer.ok;
  }

  /** Polls `whereis` on user `i` until it answers `expected` (the copies follow the bucket; bounded). */
  async whereisSettles(i: number, name: string, expected: Pid | null, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const where = (await this.ok(i, { op: 'whereis', name })) as Pid | null;
      if (where === null ? expected === null : expected !== null && where.equals(expected)) return;
      if (Date.now() > deadline)
        throw new Error(`user ${i}: whereis ${name} = ${String(where)}, expected ${String(expected)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  stop(): void {
    for (const pid of this.pids) this.ctx.send(pid, 'stop');
  }
}

function isSignal(m: unknown): m is Signal {
  return typeof m === 'object' && m !== null && 'signal' in m;
}

test('every scheduler thread sees the membership the main thread sees', async () => {
  const infos = await inProcess(async (ctx) => {
    const users = await Users.start(ctx, [0, 1, 2]);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await users.ok(i, { op: 'info' }));
    // waitForNodes on a worker thread: resolves at once for nodes up, rejects typed for an unknown one.
    got.push(await users.ok(1, { op: 'waitForNodes', names: ['b', 'c'], timeoutMs: 1000 }));
    got.push(await users.ask(2, { op: 'waitForNodes', names: ['nobody'], timeoutMs: 200 }));
    // A node directory on a worker thread: published there, read back there at once.
    got.push(await users.ok(1, { op: 'directory', key: 'svc' }));
    got.push(users.pids[1]);
    users.stop();
    return got;
  });
  const expected = { name: 'a', nodes: ['b', 'c'], ids: [a.nodeId('b'), a.nodeId('c')], connected: true };
  expect(infos[0]).toEqual({ ...expected, scheduler: 0, kind: 'DistNode' });
  expect(infos[1]).toEqual({ ...expected, scheduler: 1, kind: 'WorkerDist' });
  expect(infos[2]).toEqual({ ...expected, scheduler: 2, kind: 'WorkerDist' });
  expect(infos[3]).toEqual(['b', 'c']);
  expect(infos[4]).toMatchObject({ error: 'UnknownNodeError', code: 'unknown_node' });
  expect(infos[5]).toEqual({ members: ['a', 'b', 'c'], router: infos[6] });
});

test('global names registered from worker threads: visible on every thread and on the other node, via works, conflicts and bad input are typed', async () => {
  const counter = (await a.startServer('b', { module: CODE, export: 'counter' }, 40, { scheduler: 1 })) as Pid;
  const outcome = await inProcess(async (ctx) => {
    const users = await Users.start(ctx, [0, 1, 2]);
    const [u0, u1, u2] = users.pids as [Pid, Pid, Pid];
    // Thread 1 registers its own user; thread 1 sees it at once (its answer follows the change).
    const first = await users.ok(1, { op: 'register', name: 'svc-1' });
    expect(await users.ok(1, { op: 'whereis', name: 'svc-1' })).toEqual(u1);
    // Thread 2 and the main thread agree (their copies follow), and so does node b.
    await users.whereisSettles(2, 'svc-1', u1);
    await users.whereisSettles(0, 'svc-1', u1);
    expect(a.global!.whereisName('svc-1')).toEqual(u1);
    // Node b's copy (a process there asks its DistNode).
    let onB: Pid | null = null;
    const deadline = Date.now() + 30_000;
    while (onB === null && Date.now() < deadline) {
      await a.spawn('b', { module: CODE, export: 'whereisGlobal', args: ['svc-1', ctx.self] });
      onB = ((await ctx.receive((m) => (m as { name?: string }).name === 'svc-1')) as { where: Pid | null }).where;
    }
    // Another thread's process cannot take a name a live process holds.
    const conflict = await users.ok(2, { op: 'register', name: 'svc-1', pid: u2 });
    // A name for a process of the other node, registered from thread 2, and called through via from thread 1.
    const remote = await users.ok(2, { op: 'register', name: 'counter', pid: counter });
    await users.whereisSettles(1, 'counter', counter);
    const called = await users.ok(1, { op: 'callVia', name: 'counter', request: { add: 2 } });
    // Bad input: a typed error, and the user keeps running.
    const bad = await users.ask(1, { op: 'register', name: 42 });
    const names = (await users.ok(2, { op: 'names' })) as string[];
    // Unregistered from thread 0 (the main thread's DistNode): gone on every thread.
    await users.ok(0, { op: 'unregister', name: 'svc-1' });
    for (const i of [0, 1, 2]) await users.whereisSettles(i, 'svc-1', null);
    await users.ok(1, { op: 'unregister', name: 'counter' });
    expect(await users.ok(1, { op: 'whereis', name: 'counter' })).toBeNull();
    users.stop();
    return { first, conflict, remote, called, bad, names, u0, u1, onB };
  });
  expect(outcome.first).toBe(true);
  expect(outcome.onB).toEqual(outcome.u1);
  expect(outcome.conflict).toBe(false);
  expect(outcome.remote).toBe(true);
  expect(outcome.called).toBe(42);
  expect(outcome.bad).toMatchObject({ error: 'DistBadArgError', code: 'badarg' });
  expect(outcome.names).toEqual(expect.arrayContaining(['counter', 'svc-1']));
  await waitFor(
    () => a.global!.whereisName('svc-1') === undefined && a.global!.whereisName('counter') === undefined,
    'names gone',
  );
});

test('spawn and startServer on a named node from a worker thread: links and monitors held on that thread; a supervisor there restarts its remote child', async () => {
  const outcome = await inProcess(async (ctx) => {
    const users = await Users.start(ctx, [1, 2]);
    // Started on b, linked to the user on thread 1: its crash reaches that user as an exit signal.
    const server = (await users.ok(0, {
      op: 'startServer',
      node: 'b',
      module: CODE,
      export: 'counter',
      args: 1,
      link: true,
      scheduler: 1,
    })) as Pid;
    expect(await GenServer.call(server, { add: 1 })).toBe(2);
    await expect(GenServer.call(server, 'crash')).rejects.toThrow();
    const linkExit = (await ctx.receive(isSignal)) as Signal;
    // Spawned on b with a monitor held by the user on thread 2: its exit reason comes back as DOWN.
    const spawned = (await users.ok(1, { op: 'spawn', node: 'b', module: CODE, export: 'exitWith' })) as {
      pid: Pid;
    };
    ctx.send(spawned.pid, { done: 'here' });
    const down = (await ctx.receive(isSignal)) as Signal;
    // Unknown node: typed.
    const unknown = await users.ask(1, { op: 'startServer', node: 'nobody', module: CODE, export: 'counter', args: 0 });
    // A supervisor on thread 2 with a child on b: a crash there is restarted there.
    const sup = (await users.ok(1, { op: 'supervise', node: 'b', module: CODE, export: 'counter', args: 9 })) as Pid;
    const childOf = async () => (await Supervisor.whichChildren(sup)).find((child) => child.id === 'remote')?.pid;
    const first = (await childOf()) as Pid;
    expect(await GenServer.call(first, { add: 1 })).toBe(10);
    await expect(GenServer.call(first, 'crash')).rejects.toThrow();
    let second = await childOf();
    const deadline = Date.now() + 60_000;
    while (!(second instanceof Pid && !second.equals(first)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      second = await childOf();
    }
    const fresh = await GenServer.call(second as Pid, 'get');
    await Supervisor.stop(sup);
    users.stop();
    return { server, linkExit, spawned, down, unknown, sup, first, second: second as Pid, fresh, users: users.pids };
  });
  expect(outcome.server.node).toBe(b.id);
  expect(schedulerOf(outcome.server)).toBe(1);
  expect(outcome.linkExit).toMatchObject({ signal: 'exit', from: outcome.server, on: outcome.users[0] });
  expect(outcome.down).toMatchObject({ signal: 'down', from: outcome.spawned.pid, reason: { done: 'here' } });
  expect(outcome.down.on).toEqual(outcome.users[1]);
  expect(outcome.unknown).toMatchObject({ error: 'UnknownNodeError', code: 'unknown_node' });
  expect(schedulerOf(outcome.sup)).toBe(2);
  expect(outcome.first.node).toBe(b.id);
  expect(outcome.second.node).toBe(b.id);
  expect(outcome.fresh).toBe(9);
});

test('property: register, unregister and whereis from processes on every thread agree with a model', async () => {
  const names = ['p0', 'p1', 'p2'];
  const command = fc.record({
    thread: fc.integer({ min: 0, max: 2 }),
    op: fc.constantFrom('register', 'unregister', 'whereis'),
    name: fc.constantFrom(...names),
    holder: fc.integer({ min: 0, max: 2 }),
  });
  await inProcess(async (ctx) => {
    const users = await Users.start(ctx, [0, 1, 2]);
    // One holder per thread: the users themselves (live for the whole run).
    const holders = users.pids;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 10 }), async (commands) => {
        const model = new Map<string, Pid>();
        try {
          for (const { thread, op, name, holder } of commands) {
            if (op === 'register') {
              const got = await users.ok(thread, { op, name, pid: holders[holder] });
              expect(got).toBe(!model.has(name));
              if (!model.has(name)) model.set(name, holders[holder]!);
            } else if (op === 'unregister') {
              await users.ok(thread, { op, name });
              model.delete(name);
            }
            // Every thread's copy comes to the model (the thread that wrote first of all).
            await users.whereisSettles(thread, name, model.get(name) ?? null);
          }
          for (const name of names)
            for (const i of [0, 1, 2]) await users.whereisSettles(i, name, model.get(name) ?? null);
        } finally {
          for (const name of names) await a.global!.unregisterName(name);
          for (const name of names) for (const i of [0, 1, 2]) await users.whereisSettles(i, name, null);
        }
      }),
      { numRuns: 20 },
    );
    users.stop();
  });
});

test('names held by processes of a worker thread go when the process exits, and when its thread dies', async () => {
  const control = a.node.cluster as unknown as { terminate(k: number): Promise<void> };
  await inProcess(async (ctx) => {
    const users = await Users.start(ctx, [1, 2]);
    const dying = spawn({ module: THREADS, export: 'exitWith' }, { scheduler: 1 }) as Pid;
    const onTwo = spawn({ module: THREADS, export: 'exitWith' }, { scheduler: 2 }) as Pid;
    expect(await users.ok(0, { op: 'register', name: 'dies', pid: dying })).toBe(true);
    expect(await users.ok(1, { op: 'register', name: 'on-two', pid: onTwo })).toBe(true);
    expect(await users.ok(1, { op: 'register', name: 'user-two' })).toBe(true);
    await waitFor(() => a.global!.whereisName('on-two') !== undefined, 'on-two on the main thread');
    ctx.send(dying, 'bye');
    await waitFor(() => a.global!.whereisName('dies') === undefined, 'dies dropped after its exit');
    await users.whereisSettles(0, 'dies', null);
    await control.terminate(2);
    await waitFor(
      () => a.global!.whereisName('on-two') === undefined && a.global!.whereisName('user-two') === undefined,
      'the names of thread 2 dropped after it died',
    );
    await users.whereisSettles(0, 'on-two', null);
    // The replacement thread 2 has the API again.
    const again = await Users.start(ctx, [2]);
    expect(await again.ok(0, { op: 'info' })).toMatchObject({ name: 'a', scheduler: 2, nodes: ['b', 'c'] });
    expect(await again.ok(0, { op: 'register', name: 'after' })).toBe(true);
    await waitFor(() => a.global!.whereisName('after')?.equals(again.pids[0]!) === true, 'after on the main thread');
    users.stop();
    again.stop();
  });
  await waitFor(() => a.global!.whereisName('after') === undefined, 'after dropped once its user stopped');
});

/** The holder of `name` in the bucket itself (a NATS connection of the test's own, so it answers while node a is cut off). */
async function bucketHolder(name: string): Promise<Pid | null> {
  const nc = await connect({ servers: server.url });
  try {
    const kv = await new Kvm(nc).open(`${cluster}-global`);
    const entry = await kv.get(`n.${Buffer.from(name, 'utf8').toString('base64url')}`);
    if (entry === null || entry.operation !== 'PUT') return null;
    const { node, id } = entry.json<{ node: number; id: number }>();
    return new Pid(node, id);
  } finally {
    await nc.close();
  }
}

test('this multi-scheduler node partitioned and healed: worker threads see it, a call from one fails typed, registering while cut off is typed, and a worker holder that lost its name exits with the conflict', async () => {
  const counter = (await a.startServer('c', { module: CODE, export: 'counter' }, 0)) as Pid;
  const outcome = await inProcess(async (ctx) => {
    const users = await Users.start(ctx, [1, 2]);
    const holder = spawn({ module: THREADS, export: 'exitWith' }, { scheduler: 1 }) as Pid;
    const ref = ctx.monitor(holder);
    expect(await users.ok(0, { op: 'register', name: 'contested', pid: holder })).toBe(true);
    // Node c wants the name too: it tries until the name is free (it is, for c, once a is down there).
    await a.spawn('c', { module: THREADS, export: 'persistentHolder', args: ['contested'] });
    // A call from thread 2 to c that would wait 200 s: in flight when the partition comes.
    const callSeq = ++seqs;
    ctx.send(users.pids[1]!, { op: 'call', pid: counter, request: { slow: 200_000 }, timeout: 220_000, seq: callSeq });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await a.disconnect();
    const call = (await ctx.receive((m) => (m as Answer | null)?.seq === callSeq)) as Answer;
    // Thread 1 sees every node down and the node off NATS; registering now is a typed error.
    const cutInfo = await users.ok(0, { op: 'info' });
    const cutRegister = await users.ask(0, { op: 'register', name: 'while-cut' });
    // c finds a silent, drops its names, and its holder takes 'contested'.
    const deadline = Date.now() + 120_000;
    let taker = await bucketHolder('contested');
    while (taker?.node !== c.id && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      taker = await bucketHolder('contested');
    }
    await a.reconnect();
    await a.waitForNodes(['b', 'c'], 60_000);
    // Healed: the holder on thread 1 lost the name and exits with the conflict; every thread agrees on c's.
    const down = (await ctx.receive((m) => m instanceof DownMessage && m.ref.id === ref.id)) as DownMessage;
    for (const i of [0, 1]) await users.whereisSettles(i, 'contested', taker);
    const healedInfo = await users.ok(1, { op: 'info' });
    users.stop();
    return { call, cutInfo, cutRegister, taker, down: down.reason, healedInfo };
  });
  expect(outcome.call).toMatchObject({ error: 'NodeDownError' });
  expect(outcome.cutInfo).toMatchObject({ nodes: [], connected: false });
  expect(outcome.cutRegister).toMatchObject({ error: 'NotConnectedError', code: 'noconnection' });
  expect(outcome.taker?.node).toBe(c.id);
  expect(outcome.down).toEqual({ global_name_conflict: 'contested' });
  expect(outcome.healedInfo).toMatchObject({ nodes: ['b', 'c'], connected: true });
  expect(a.global!.whereisName('contested')).toEqual(outcome.taker);
});

test('monitorNode on worker threads: { nodedown } reaches each watcher on its own thread when the node is killed', async () => {
  const outcome = await inProcess(async (ctx) => {
    const watchers: Pid[] = [];
    for (const k of [1, 2]) {
      spawn({ module: THREADS, export: 'nodeWatcher', args: ['c', ctx.self] }, { scheduler: k });
      watchers.push(
        ((await ctx.receive((m) => (m as { watching?: Pid }).watching !== undefined)) as { watching: Pid }).watching,
      );
    }
    // A watcher of a node that is not connected hears at once.
    spawn({ module: THREADS, export: 'nodeWatcher', args: ['nobody', ctx.self] }, { scheduler: 1 });
    const atOnce = (await ctx.receive((m) => (m as { got?: unknown }).got !== undefined)) as { got: unknown };
    await c.kill();
    const got: { got: NodeDownMessage; on: Pid }[] = [];
    for (let i = 0; i < 2; i++)
      got.push(
        (await ctx.receive((m) => (m as { got?: unknown }).got !== undefined)) as { got: NodeDownMessage; on: Pid },
      );
    return { watchers, atOnce, got };
  });
  expect(outcome.atOnce.got).toEqual({ nodedown: 'nobody' });
  expect(outcome.got.map((g) => g.got)).toEqual([{ nodedown: 'c' }, { nodedown: 'c' }]);
  expect(outcome.got.map((g) => schedulerOf(g.on)).sort()).toEqual([1, 2]);
  expect(a.nodes()).toEqual(['b']);
  const users = await inProcess(async (ctx) => {
    const u = await Users.start(ctx, [1]);
    const info = await u.ok(0, { op: 'info' });
    u.stop();
    return info;
  });
  expect(users).toMatchObject({ nodes: ['b'] });
});

test('DistNode.here() on the main thread is the DistNode', async () => {
  expect(await inProcess(async () => DistNode.here())).toBe(a);
});
