// Two multi-scheduler nodes, each its own OS process with worker-thread schedulers: this jest
// process (node 'a', 3 schedulers) and a peer (node 'b', 3 schedulers). Pids on any scheduler of
// either node are reachable from the other: sends, calls, links, monitors and exits both ways;
// a supervisor here restarts its child on the other node, and sees that node's death as an exit.
import { DownMessage, ExitMessage, GenServer, Pid, spawn, Supervisor, type ProcessContext } from '@erlmcp/otp';
import { DistNode, type NodeDownMessage } from '@erlmcp/distribution';
import { NatsServer } from '../../../test-support/nats-server';
import { CODE, inProcess, Peer, PATIENT } from './helpers';

jest.setTimeout(180_000);

let server: NatsServer;
let a: DistNode;
let b: Peer;
const cluster = 'schedulers';
const schedulerOf = (pid: Pid) => pid.id % 64;

beforeAll(async () => {
  server = await NatsServer.start();
  a = await DistNode.start({
    servers: server.url,
    name: 'a',
    cluster,
    ...PATIENT,
    node: { logLevel: 'silent', schedulers: 3 },
  });
  b = await Peer.start({ servers: server.url, name: 'b', cluster, ...PATIENT, schedulers: 3 });
  await a.waitForNodes(['b'], 60_000);
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await server?.stop();
});

type Echo = { echo: unknown; seq: number };

/** The echo a linkedReporter asks for once its link stands. */
function isLinked(m: unknown): boolean {
  const echo = (m as Echo | null)?.echo;
  return typeof echo === 'object' && echo !== null && 'linked' in echo;
}

/** Spawns `export` of the fixtures on scheduler `k` of this node (a worker thread for k > 0). */
function spawnHere(k: number, exportName: string, args: unknown[]): Pid {
  return spawn({ module: CODE, export: exportName, args }, { scheduler: k }) as Pid;
}

test('remote spawns land on the schedulers asked for, and on several by default', async () => {
  const placed: number[] = [];
  for (const k of [0, 1, 2]) {
    const { pid } = await a.spawn('b', { module: CODE, export: 'echo' }, { scheduler: k });
    expect(pid.node).toBe(b.id);
    expect(schedulerOf(pid)).toBe(k);
  }
  for (let i = 0; i < 3; i++) placed.push(schedulerOf((await a.spawn('b', { module: CODE, export: 'echo' })).pid));
  expect(new Set(placed).size).toBeGreaterThan(1);
});

test('sends reach pids on every scheduler of the other node, from every scheduler of this one, in order', async () => {
  const targets: Pid[] = [];
  for (const k of [0, 1, 2]) targets.push((await a.spawn('b', { module: CODE, export: 'echo' }, { scheduler: k })).pid);
  const hops = await inProcess(async (ctx: ProcessContext) => {
    // From this (main) scheduler: ten each, echoed in order.
    for (const target of targets) for (let i = 0; i < 10; i++) ctx.send(target, { from: ctx.self, body: i });
    const echoes: Echo[] = [];
    for (let n = 0; n < 30; n++) echoes.push((await ctx.receive()) as Echo);
    // From worker schedulers 1 and 2 of this node, to each target: a pinger there relays the echo back.
    for (const k of [1, 2]) for (const target of targets) spawnHere(k, 'pinger', [target, ctx.self, `s${k}`]);
    const hopped: { via: Pid; echo: Echo }[] = [];
    for (let n = 0; n < 6; n++) hopped.push((await ctx.receive()) as { via: Pid; echo: Echo });
    return { echoes, hopped };
  });
  // Each target echoed 0..9 once each and in order (its seq counts them): 30 echoes, none twice.
  const byTarget = new Map<number, number[]>();
  for (const m of hops.echoes) byTarget.set(m.seq, [...(byTarget.get(m.seq) ?? []), m.echo as number]);
  for (let seq = 0; seq < 10; seq++) expect(byTarget.get(seq)).toEqual([seq, seq, seq]);
  expect(hops.hopped.map((h) => schedulerOf(h.via)).sort()).toEqual([1, 1, 1, 2, 2, 2]);
  expect(hops.hopped.map((h) => h.echo.echo).sort()).toEqual(['s1', 's1', 's1', 's2', 's2', 's2']);
});

test('GenServer calls to a server on a worker scheduler of the other node, from this node main and worker schedulers', async () => {
  const counter = (await a.startServer('b', { module: CODE, export: 'counter' }, 5, { scheduler: 2 })) as Pid;
  expect(schedulerOf(counter)).toBe(2);
  expect(await GenServer.call(counter, { add: 1 })).toBe(6);
  GenServer.cast(counter, { add: 10 });
  expect(await GenServer.call(counter, 'get')).toBe(16);
  const fromWorker = await inProcess(async (ctx: ProcessContext) => {
    spawnHere(1, 'caller', [counter, { add: 4 }, ctx.self]);
    const added = await ctx.receive();
    spawnHere(2, 'caller', [counter, 'crash', ctx.self]);
    const crashed = await ctx.receive();
    spawnHere(1, 'caller', [counter, 'get', ctx.self]);
    return [added, crashed, await ctx.receive()] as { called?: number; failed?: string }[];
  });
  // The crash fails that call with the server's exit; a call to the dead server then fails noproc.
  expect(fromWorker).toEqual([{ called: 20 }, { failed: 'exit' }, { failed: 'noproc' }]);
});

test('links and monitors across worker schedulers of both nodes carry exit reasons both ways', async () => {
  const result = await inProcess(
    async (ctx: ProcessContext) => {
      // a (main) monitors and links a process on b's scheduler 1; it exits with a reason.
      const { pid: victim, ref } = await a.spawn(
        'b',
        { module: CODE, export: 'exitWith' },
        { scheduler: 1, monitor: true, parent: ctx },
      );
      ctx.link(victim);
      ctx.send(victim, { reason: 'from-b1' });
      const down = (await ctx.receive((m) => m instanceof DownMessage)) as DownMessage;
      const linked = (await ctx.receive((m) => m instanceof ExitMessage)) as ExitMessage;
      expect(down.ref).toEqual(ref);
      // a's scheduler 2 links to b's scheduler 2: b's process exits, a's reporter hears the reason.
      const { pid: onB } = await a.spawn('b', { module: CODE, export: 'exitAfterEcho' }, { scheduler: 2 });
      spawnHere(2, 'linkedReporter', [onB, ctx.self]);
      await ctx.receive((m) => isLinked(m));
      // The other way: b's scheduler 1 links to a process on a's scheduler 1, which exits.
      const onA = spawnHere(1, 'exitAfterEcho', []);
      await a.spawn('b', { module: CODE, export: 'linkedReporter', args: [onA, ctx.self] }, { scheduler: 1 });
      await ctx.receive((m) => isLinked(m));
      ctx.send(onB, 'b2-exit');
      ctx.send(onA, 'a1-exit');
      const reports = [await ctx.receive(), await ctx.receive()] as { exited: unknown }[];
      return { down: down.reason, linked: linked.reason, reports };
    },
    { trapExit: true },
  );
  expect(result.down).toEqual({ reason: 'from-b1' });
  expect(result.linked).toEqual({ reason: 'from-b1' });
  expect(result.reports.map((r) => r.exited).sort()).toEqual(['a1-exit', 'b2-exit']);
});

test('a worker scheduler of this node dies: links from the other node get {scheduler_down}; the replacement is reachable', async () => {
  const control = a.node.cluster as unknown as { terminate(k: number): Promise<void> };
  const report = await inProcess(async (ctx: ProcessContext) => {
    const onA = spawnHere(2, 'exitAfterEcho', []);
    await a.spawn('b', { module: CODE, export: 'linkedReporter', args: [onA, ctx.self] }, { scheduler: 2 });
    await ctx.receive((m) => isLinked(m));
    await control.terminate(2);
    return (await ctx.receive()) as { exited: unknown };
  });
  expect(report.exited).toEqual({ scheduler_down: 2 });
  // The replacement scheduler 2 has a port again: its process reaches b and hears back.
  const { pid: echo } = await a.spawn('b', { module: CODE, export: 'echo' }, { scheduler: 0 });
  const hop = await inProcess(async (ctx: ProcessContext) => {
    spawnHere(2, 'pinger', [echo, ctx.self, 'again']);
    return (await ctx.receive()) as { via: Pid; echo: Echo };
  });
  expect(schedulerOf(hop.via)).toBe(2);
  expect(hop.echo.echo).toBe('again');
});

/** The pid of the supervisor's child `id`, once it runs. */
async function childOf(sup: Pid, id: string): Promise<Pid> {
  const child = (await Supervisor.whichChildren(sup)).find((c) => c.id === id);
  if (!(child?.pid instanceof Pid)) throw new Error(`child ${id} is not running: ${String(child?.pid)}`);
  return child.pid;
}

const counterChild = (id: string) =>
  a.childSpec({ id, node: 'b', start: { module: CODE, export: 'counter' }, args: 7, scheduler: 2, shutdown: 5000 });

test('a supervisor here starts its child on the other node, restarts it there when it crashes, and stops it through the link', async () => {
  const restarts: { childId: string; oldPid?: Pid; newPid?: Pid }[] = [];
  const onRestart = (event: { childId: string; oldPid?: Pid; newPid?: Pid }) => restarts.push(event);
  a.node.events.on('restart', onRestart);
  try {
    const sup = await Supervisor.start({ intensity: 5, period: 60, children: [counterChild('counter')] });
    const first = await childOf(sup, 'counter');
    expect(first.node).toBe(b.id);
    expect(schedulerOf(first)).toBe(2);
    expect(await GenServer.call(first, { add: 1 })).toBe(8);
    await expect(GenServer.call(first, 'crash')).rejects.toThrow();
    const deadline = Date.now() + 60_000;
    while (restarts.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const second = await childOf(sup, 'counter');
    expect(restarts[0]).toMatchObject({ childId: 'counter', oldPid: first, newPid: second });
    expect(second.node).toBe(b.id);
    expect(second.equals(first)).toBe(false);
    expect(await GenServer.call(second, 'get')).toBe(7); // a fresh init on b
    // The supervisor stops: its child on b gets the shutdown exit through the link and ends.
    const down = await inProcess(async (ctx: ProcessContext) => {
      const ref = ctx.monitor(second);
      await Supervisor.stop(sup);
      return (await ctx.receive((m) => m instanceof DownMessage && m.ref.id === ref.id)) as DownMessage;
    });
    expect(down.reason).toBe('shutdown');
  } finally {
    a.node.events.off('restart', onRestart);
  }
});

test('the other node is killed: links on this node worker schedulers get noconnection, monitorNode fires, a supervisor sees its remote child exit noconnection', async () => {
  const { pid: onB } = await a.spawn('b', { module: CODE, export: 'exitAfterEcho' }, { scheduler: 1 });
  // A supervisor with a child on b: b's death reaches it as the child's exit, noconnection.
  const errors = jest.spyOn(a.node.logger, 'error');
  const sup = await Supervisor.start({ intensity: 1, period: 60, children: [counterChild('on-b')] });
  const child = await childOf(sup, 'on-b');
  const supDown = inProcess(async (ctx: ProcessContext) => {
    const ref = ctx.monitor(sup);
    return (await ctx.receive((m) => m instanceof DownMessage && m.ref.id === ref.id)) as DownMessage;
  });
  const outcome = await inProcess(async (ctx: ProcessContext) => {
    a.monitorNode('b', ctx.self);
    spawnHere(1, 'linkedReporter', [onB, ctx.self]);
    spawnHere(2, 'linkedReporter', [onB, ctx.self]);
    for (let i = 0; i < 2; i++) await ctx.receive((m) => isLinked(m));
    await b.kill();
    const got: unknown[] = [];
    for (let i = 0; i < 3; i++) got.push(await ctx.receive());
    return got;
  });
  expect(outcome).toContainEqual({ nodedown: 'b' } satisfies NodeDownMessage);
  // The supervisor saw its child exit with noconnection, failed to restart it on the lost node, and gave up.
  await supDown;
  const calls = errors.mock.calls as unknown as [string, { errorContext?: string }?][];
  const terminated = calls.find(([, meta]) => meta?.errorContext === 'child_terminated');
  errors.mockRestore();
  expect(terminated?.[1]).toMatchObject({ reason: 'noconnection', offender: { id: 'on-b', pid: child } });
  expect(outcome.filter((m) => (m as { exited?: unknown }).exited === 'noconnection')).toHaveLength(2);
});
