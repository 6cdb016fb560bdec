// Faults with real processes: a node killed mid-traffic, nats-server restarted, a node
// partitioned (its NATS connection closed) and healed. This jest process is node 'a'.
import { DownMessage, ExitMessage, GenServer, Pid, spawn, via, type ProcessContext } from '@erlmcp/otp';
import { DistNode, NodeDownError, type NodeDownMessage } from '@erlmcp/distribution';
import { NatsServer } from '../../../test-support/nats-server';
import { CODE, inProcess, Peer, TIMING, waitFor } from './helpers';

jest.setTimeout(240_000);

let server: NatsServer;
let a: DistNode;
const peers: Peer[] = [];
const cluster = 'faults';

async function peer(name: string): Promise<Peer> {
  const p = await Peer.start({ servers: server.url, name, cluster, ...TIMING });
  peers.push(p);
  await a.waitForNodes([name], 60_000);
  return p;
}

beforeAll(async () => {
  server = await NatsServer.start();
  a = await DistNode.start({ servers: server.url, name: 'a', cluster, ...TIMING, node: { logLevel: 'silent' } });
});

afterAll(async () => {
  for (const p of peers) await p.stop();
  await a?.stop();
  await server?.stop();
});

type Echo = { echo: number; seq: number };

/**
 * Numbered sends to `echo` every 10 ms (at most 20,000) from a process of this node, collecting
 * the echoes; `stop()` ends the sends, collects what still comes within 2 s and resolves with
 * the echoes and how many were sent. `sent` is the count so far.
 */
function numberedTraffic(echo: Pid): { readonly sent: number; stop(): Promise<{ echoes: Echo[]; sent: number }> } {
  const control = { stop: false, sent: 0 };
  const done = inProcess(async (ctx) => {
    const echoes: Echo[] = [];
    let sent = 0;
    for (; !control.stop && sent < 20_000; sent++) {
      control.sent = sent;
      ctx.send(echo, { from: ctx.self, body: sent });
      for (;;) {
        const m = await ctx.receive<Echo | undefined>(undefined, 10);
        if (m === undefined) break;
        echoes.push(m);
      }
    }
    for (;;) {
      const m = await ctx.receive<Echo | undefined>(undefined, 2000);
      if (m === undefined) return { echoes, sent };
      echoes.push(m);
    }
  });
  return {
    get sent() {
      return control.sent;
    },
    stop: () => {
      control.stop = true;
      return done;
    },
  };
}

test('a node killed mid-traffic: links, monitors and monitorNode fire noconnection; a pending call fails with NodeDownError before its timeout; nothing arrives twice', async () => {
  const b = await peer('b');
  const counterPid = (await a.startServer('b', { module: CODE, export: 'counter' }, 0)) as Pid;
  const outcome = await inProcess(
    async (ctx: ProcessContext) => {
      const { pid: echo, ref } = await a.spawn(
        'b',
        { module: CODE, export: 'echo' },
        { link: true, monitor: true, parent: ctx },
      );
      a.monitorNode('b', ctx.self);
      // A call that would wait 100 s: it must fail when the node goes, well inside its 60 s timeout.
      const started = performance.now();
      const slow = GenServer.call(counterPid, { slow: 100_000 }, 60_000).then(
        () => 'replied',
        (error: Error) => error,
      );
      // Traffic flows: echoes come back while the node is killed.
      const echoes: Echo[] = [];
      let sent = 0;
      for (; sent < 200; sent++) ctx.send(echo, { from: ctx.self, body: sent });
      while (echoes.length < 50)
        echoes.push(await ctx.receive<Echo>((m) => typeof m === 'object' && m !== null && 'echo' in m, 30_000));
      await b.kill();
      for (; sent < 400; sent++) ctx.send(echo, { from: ctx.self, body: sent }); // to a node that is gone: dropped
      const exit = await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage, 60_000);
      const down = await ctx.receive<DownMessage>((m) => m instanceof DownMessage && m.ref === ref, 60_000);
      const nodedown = await ctx.receive<NodeDownMessage>(
        (m) => typeof m === 'object' && m !== null && 'nodedown' in m,
        60_000,
      );
      const callError = await slow;
      const elapsed = performance.now() - started;
      // Whatever echoes were still in flight: drained without waiting.
      for (
        let m = await ctx.receive<Echo | undefined>((x) => typeof x === 'object' && x !== null && ('echo' in x), 0);
        m !== undefined;
        m = await ctx.receive<Echo | undefined>((x) => typeof x === 'object' && x !== null && 'echo' in x, 0)
      )
        echoes.push(m);
      return { exit: exit.reason, down: down.reason, nodedown: nodedown.nodedown, callError, elapsed, echoes };
    },
    { trapExit: true },
  );
  expect(outcome.exit).toBe('noconnection');
  expect(outcome.down).toBe('noconnection');
  expect(outcome.nodedown).toBe('b');
  expect(outcome.callError).toBeInstanceOf(NodeDownError);
  expect(outcome.elapsed).toBeLessThan(60_000);
  const seqs = outcome.echoes.map((e) => e.echo);
  expect(new Set(seqs).size).toBe(seqs.length); // none twice
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y)); // in order
  expect(a.nodes()).not.toContain('b');
  // Calls to the lost node fail at once with the typed error.
  await expect(GenServer.call(counterPid, 'get', 60_000)).rejects.toBeInstanceOf(NodeDownError);
});

test('the global registry: one winner when two nodes register a name at once; names of a dead node are dropped', async () => {
  await peer('c');
  const results = await inProcess(async (ctx) => {
    // Node c's process and ours register 'race' at the same time.
    await a.spawn('c', { module: CODE, export: 'globalHolder', args: ['race', ctx.self] });
    const mine = await a.global!.registerName('race', ctx.self);
    const theirs = await ctx.receive<{ registered: boolean; pid: Pid }>(
      (m) => typeof m === 'object' && m !== null && 'registered' in m,
      30_000,
    );
    return { mine, theirs: theirs.registered, theirPid: theirs.pid, me: ctx.self };
  });
  expect([results.mine, results.theirs].filter(Boolean)).toHaveLength(1);
  const winner = results.mine ? results.me : results.theirPid;
  await waitFor(() => a.global!.whereisName('race')?.equals(winner) === true, 'a sees the winner');
  const seenByC = await inProcess(async (ctx) => {
    await a.spawn('c', { module: CODE, export: 'whereisGlobal', args: ['race', ctx.self] });
    return ctx.receive<{ where: Pid | null }>((m) => typeof m === 'object' && m !== null && 'where' in m, 30_000);
  });
  expect(seenByC.where?.equals(winner)).toBe(true);

  // A name held on node d: d is killed, and the name is dropped everywhere.
  const d = await peer('d');
  const held = await inProcess(async (ctx) => {
    await a.spawn('d', { module: CODE, export: 'globalHolder', args: ['on-d', ctx.self] });
    return ctx.receive<{ registered: boolean; pid: Pid }>(
      (m) => typeof m === 'object' && m !== null && 'registered' in m,
      30_000,
    );
  });
  expect(held.registered).toBe(true);
  await waitFor(() => a.global!.whereisName('on-d') !== undefined, 'a sees on-d');
  await d.kill();
  await waitFor(() => a.global!.whereisName('on-d') === undefined, 'on-d dropped after d died', 60_000);
  // And via(global) works for a name whose process exits: its name goes with it.
  const { pid: echo } = await a.spawn('c', { module: CODE, export: 'echo' });
  expect(await a.global!.registerName('echo-on-c', echo)).toBe(true);
  const reply = await inProcess(async (ctx) => {
    ctx.send(via(a.global!, 'echo-on-c'), { from: ctx.self, body: 7 });
    return ctx.receive<Echo>(undefined, 30_000);
  });
  expect(reply.echo).toBe(7);
  spawn((ctx) => ctx.send(echo, 'stop'));
  await waitFor(() => a.global!.whereisName('echo-on-c') === undefined, 'echo-on-c dropped after its process ended');
});

test('a partitioned node (NATS connection closed) is down for the others; healed, the registry converges and the loser of a name conflict exits', async () => {
  const e = await peer('e');
  const holder = await inProcess(async (ctx) => {
    await a.spawn('e', { module: CODE, export: 'globalHolder', args: ['leader', ctx.self] });
    return ctx.receive<{ registered: boolean; pid: Pid }>(
      (m) => typeof m === 'object' && m !== null && 'registered' in m,
      30_000,
    );
  });
  expect(holder.registered).toBe(true);
  await waitFor(() => a.global!.whereisName('leader')?.equals(holder.pid) === true, 'a sees e as leader');
  // On e, next to the holder: keeps how the holder ends, asked for once a can hear e again.
  const { pid: reporter } = await a.spawn('e', { module: CODE, export: 'exitReporter', args: [holder.pid] });
  const { pid: linked } = await a.spawn('e', { module: CODE, export: 'echo' });
  const watcher = inProcess(
    async (ctx) => {
      ctx.link(linked);
      const ref = ctx.monitor(holder.pid);
      const exit = await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage, 120_000);
      const down = await ctx.receive<DownMessage>((m) => m instanceof DownMessage && m.ref === ref, 120_000);
      return [exit.reason, down.reason];
    },
    { trapExit: true },
  );
  await e.command('disconnect');
  expect(await watcher).toEqual(['noconnection', 'noconnection']);
  await waitFor(() => !a.nodes().includes('e'), 'a sees e down', 60_000);
  await waitFor(() => a.global!.whereisName('leader') === undefined, 'leader dropped with its node', 60_000);
  // While e is cut off, a's process takes the name.
  // The taker stays alive (a name goes when its holder exits).
  const taker = await new Promise<{ registered: boolean; pid: Pid }>((resolve) =>
    spawn(async (ctx) => {
      resolve({ registered: await a.global!.registerName('leader', ctx.self), pid: ctx.self });
      await ctx.receive((m) => m === 'stop');
    }),
  );
  expect(taker.registered).toBe(true);
  await e.command('reconnect');
  await a.waitForNodes(['e'], 60_000);
  // Healed: e's copy of the registry converges on the taker.
  const seenByE = await inProcess(async (ctx) => {
    for (let i = 0; i < 100; i++) {
      await a.spawn('e', { module: CODE, export: 'whereisGlobal', args: ['leader', ctx.self] });
      const m = await ctx.receive<{ where: Pid | null }>(
        (x) => typeof x === 'object' && x !== null && 'where' in x,
        30_000,
      );
      if (m.where !== null && m.where.equals(taker.pid)) return m.where;
      await ctx.receive(() => false, 200);
    }
    return null;
  });
  expect(seenByE?.equals(taker.pid)).toBe(true);
  expect(a.global!.whereisName('leader')?.equals(taker.pid)).toBe(true);
  // ... and e's old holder, which lost the name, exited with the conflict as its reason (asked
  // again until the answer comes: one sent across the heal may be lost, as in Erlang).
  const holderExit = await inProcess(async (ctx) => {
    for (let i = 0; i < 100; i++) {
      ctx.send(reporter, { ask: ctx.self });
      const m = await ctx.receive<{ exited: unknown } | undefined>(
        (x) => typeof x === 'object' && x !== null && 'exited' in x,
        2_000,
      );
      if (m !== undefined) return m.exited;
    }
    return undefined;
  });
  expect(holderExit).toEqual({ global_name_conflict: 'leader' });
});

test('a partition in mid-traffic: a pending call fails with NodeDownError before its timeout; sends across the partition and the heal arrive at most once, in order', async () => {
  const f = await peer('f');
  const counter = (await a.startServer('f', { module: CODE, export: 'counter' }, 0)) as Pid;
  const { pid: echo } = await a.spawn('f', { module: CODE, export: 'echo' });
  // Numbered sends every 10 ms through the partition and after the heal; the echo answers each it gets.
  const traffic = numberedTraffic(echo);
  const started = Date.now();
  const pending = GenServer.call(counter, { slow: 200_000 }, 220_000).then(
    () => null,
    (error: unknown) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  await f.command('disconnect');
  const failure = await pending;
  expect(failure).toBeInstanceOf(NodeDownError);
  expect(Date.now() - started).toBeLessThan(220_000);
  await waitFor(() => !a.nodes().includes('f'), 'a sees f down', 60_000);
  await f.command('reconnect');
  await a.waitForNodes(['f'], 60_000);
  // Healed: the same echo process answers again; let some traffic through, then stop.
  const sentAtHeal = traffic.sent;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { echoes, sent } = await traffic.stop();
  const bodies = echoes.map((m) => m.echo as number);
  // At most once and in order: strictly increasing bodies, and the echo's own count never repeats.
  for (let i = 1; i < bodies.length; i++) expect(bodies[i]!).toBeGreaterThan(bodies[i - 1]!);
  for (let i = 1; i < echoes.length; i++) expect(echoes[i]!.seq).toBeGreaterThan(echoes[i - 1]!.seq);
  expect(bodies.length).toBeLessThan(sent); // the sends made while cut off were dropped, as Erlang drops them
  // Traffic flows again after the heal, to the same processes.
  expect(bodies.some((body) => body >= sentAtHeal)).toBe(true);
  expect(await GenServer.call(counter, { add: 2 }, 30_000)).toBe(2);
});

test('nats-server restarted: nodes see each other go and come back; a call in flight fails with NodeDownError; calls work again', async () => {
  await a.waitForNodes(['c'], 60_000);
  const server1 = (await a.startServer('c', { module: CODE, export: 'counter' }, 1)) as Pid;
  const reason = inProcess(
    async (ctx) => {
      ctx.link(server1);
      return (await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage, 120_000)).reason;
    },
    { trapExit: true },
  );
  // A call in flight when the server goes: it fails with the typed error, long before its own timeout.
  const pending = GenServer.call(server1, { slow: 200_000 }, 220_000).then(
    () => null,
    (error: unknown) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.restart();
  expect(await reason).toBe('noconnection');
  expect(await pending).toBeInstanceOf(NodeDownError);
  await a.waitForNodes(['c'], 60_000);
  const server2 = (await a.startServer('c', { module: CODE, export: 'counter' }, 41)) as Pid;
  expect(await GenServer.call(server2, { add: 1 }, 30_000)).toBe(42);
  // The registry still answers after the restart (the KV bucket lives in the server's store).
  const fresh = await inProcess(async (ctx) => a.global!.registerName('after-restart', ctx.self));
  expect(fresh).toBe(true);
});

test('nats-server restarted mid-traffic: sends before, across and after the restart arrive at most once and in order; calls to the node fail typed while it is away', async () => {
  await a.waitForNodes(['c'], 60_000);
  const { pid: echo } = await a.spawn('c', { module: CODE, export: 'echo' });
  const counter = (await a.startServer('c', { module: CODE, export: 'counter' }, 0)) as Pid;
  // Numbered sends every 10 ms from before the restart until after both nodes are back.
  const traffic = numberedTraffic(echo);
  // A call in flight across the restart fails with the typed error, long before its own timeout.
  const pending = GenServer.call(counter, { slow: 200_000 }, 220_000).then(
    () => null,
    (error: unknown) => error,
  );
  const downs: string[] = [];
  const off = a.onNodeEvent((event) => {
    if (event.kind === 'nodedown') downs.push(event.node);
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sentBefore = traffic.sent;
  await server.restart();
  expect(await pending).toBeInstanceOf(NodeDownError);
  await waitFor(() => downs.includes('c'), 'a saw c go down', 60_000);
  off();
  await a.waitForNodes(['c'], 60_000);
  const sentAtHeal = traffic.sent;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { echoes, sent } = await traffic.stop();
  const bodies = echoes.map((m) => m.echo);
  for (let i = 1; i < bodies.length; i++) expect(bodies[i]!).toBeGreaterThan(bodies[i - 1]!); // none twice, in order
  for (let i = 1; i < echoes.length; i++) expect(echoes[i]!.seq).toBeGreaterThan(echoes[i - 1]!.seq);
  expect(bodies.length).toBeLessThanOrEqual(sent);
  expect(bodies.some((body) => body < sentBefore)).toBe(true); // flowed before
  expect(bodies.some((body) => body >= sentAtHeal)).toBe(true); // and after, to the same process
  expect(await GenServer.call(counter, { add: 3 }, 30_000)).toBe(3);
});
