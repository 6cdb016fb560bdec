import {
  AlreadyRegisteredError,
  BadArgError,
  CallExitError,
  CallTimeoutError,
  Crash,
  DownMessage,
  ExitMessage,
  GenServer,
  NoProcError,
  Node,
  StartError,
  Supervisor,
  allProcesses,
  awaitExit,
  isProcessAlive,
  processInfoAsync,
  schedulerOfPid,
  schedulers,
  supervisionTree,
  exit,
  register,
  send,
  spawn,
  whereis,
  type Pid,
} from '@erlmcp/otp';
import type { Cluster } from '../src/cluster/cluster';
import { collector } from '../../../test-support/collector';

/** Code the worker scheduler runs: plain JS, loaded by module path and export. */
const fixture = require.resolve('./fixtures/remote.js');
type Counter = { op: 'get' } | { op: 'add'; n: number } | { op: 'slow' } | { op: 'crash' };
const counter = GenServer.remote<never>(fixture, 'counter');

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterEach(() => node.stop());

const cluster = (): Cluster => node.cluster as Cluster;

const has = (key: string) => (m: unknown) => typeof m === 'object' && m !== null && key in m;

describe('messages across schedulers', () => {
  test('a process on scheduler 1 sends to one on scheduler 0: all arrive, in order', async () => {
    const got: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const receiver = spawn(async (ctx) => {
      for (;;) {
        const m = await ctx.receive();
        if (typeof m === 'number') got.push(m);
        else return done();
      }
    });
    spawn({ module: fixture, export: 'sender', args: [receiver, 20_000] }, { scheduler: 1 });
    await finished;
    expect(got).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
  });

  test('a burst larger than the ring is delivered whole and in order (no loss when the ring fills)', async () => {
    const pid = await GenServer.start(counter, 0, { scheduler: 1 });
    const n = 300_000; // ~10 MB of records against a 4 MB ring
    for (let i = 0; i < n; i++) GenServer.cast(pid, { op: 'inc', pad: 'x'.repeat(16) } as never);
    expect(await GenServer.call(pid, { op: 'get' } as never, 60_000)).toBe(n);
  });

  test('values cross as themselves; a value that cannot be sent is a BadArgError and nothing is sent', async () => {
    const c = collector();
    const echo = spawn({ module: fixture, export: 'echo' }, { scheduler: 1 });
    const value = {
      map: new Map([['k', [1, 2]]]),
      set: new Set(['a']),
      big: 10n,
      date: new Date(5),
      bytes: new Uint8Array([1, 2]),
      pid: c.pid,
    };
    send(echo, { from: c.pid, msg: value });
    const reply = (await c.next(has('echo'))) as { echo: typeof value };
    expect(reply.echo.map).toEqual(new Map([['k', [1, 2]]]));
    expect(reply.echo.set).toEqual(new Set(['a']));
    expect(reply.echo.big).toBe(10n);
    expect(reply.echo.pid.equals(c.pid)).toBe(true);
    expect(() => send(echo, { from: c.pid, msg: () => 1 })).toThrow(BadArgError);
    send(echo, { from: c.pid, msg: 'after' });
    expect(((await c.next(has('echo'))) as { echo: unknown }).echo).toBe('after');
  });
});

describe('shared memory across schedulers', () => {
  test('a SharedArrayBuffer in a message is the same memory on the other scheduler, in both directions', async () => {
    const c = collector();
    const worker = spawn({ module: fixture, export: 'sharedCounter' }, { scheduler: 1 });
    const buffer = new SharedArrayBuffer(8);
    const view = new Int32Array(buffer);
    // The first message naming a buffer may reach the worker before the buffer does: it waits,
    // and the plain messages sent after it still arrive after it.
    send(worker, { buffer, add: 5, from: c.pid });
    for (let n = 0; n < 3; n++) send(worker, { n, from: c.pid });
    send(worker, { buffer, add: 2, from: c.pid });
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await c.next());
    expect(replies).toEqual([{ added: 5 }, { seen: 0 }, { seen: 1 }, { seen: 2 }, { added: 7 }]);
    expect(Atomics.load(view, 0)).toBe(7);

    send(worker, { make: true, from: c.pid });
    const { made } = (await c.next(has('made'))) as { made: SharedArrayBuffer };
    expect(Object.prototype.toString.call(made)).toBe('[object SharedArrayBuffer]'); // from another realm under jest
    expect(Atomics.load(new Int32Array(made), 0)).toBe(42);
    send(worker, { buffer: made, add: 1, from: c.pid });
    expect(await c.next(has('added'))).toEqual({ added: 43 });
    expect(Atomics.load(new Int32Array(made), 0)).toBe(43);
  });
});

describe('shared WebAssembly memory across schedulers', () => {
  test('a shared WebAssembly.Memory in a message is the same memory on the other scheduler, growth included', async () => {
    const c = collector();
    const worker = spawn({ module: fixture, export: 'sharedMemory' }, { scheduler: 1 });
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    send(worker, { memory, add: 5, from: c.pid });
    expect(await c.next()).toEqual({ isMemory: true, bytes: 2 * 65536 });
    send(worker, { memory, add: 2, from: c.pid });
    expect(await c.next()).toEqual({ isMemory: true, bytes: 3 * 65536 });
    expect(Atomics.load(new Int32Array(memory.buffer), 0)).toBe(7);
    expect(memory.buffer.byteLength).toBe(3 * 65536);
  });

  test('a memory that is not shared cannot be sent: BadArgError, nothing sent', async () => {
    const c = collector();
    const worker = spawn({ module: fixture, export: 'sharedMemory' }, { scheduler: 1 });
    expect(() => send(worker, { memory: new WebAssembly.Memory({ initial: 1 }), add: 1, from: c.pid })).toThrow(
      BadArgError,
    );
    send(worker, { from: c.pid });
    expect(await c.next()).toEqual({ isMemory: false, bytes: -1 });
  });
});

describe('GenServer across schedulers', () => {
  test('start by module and export, call, cast and names work from the other scheduler', async () => {
    const pid = await GenServer.start(counter, 5, { scheduler: 1, name: 'remote-counter' });
    expect(pid.id % 64).toBe(1);
    expect(whereis('remote-counter')!.equals(pid)).toBe(true);
    GenServer.cast(pid, { op: 'inc' } as never);
    expect(await GenServer.call('remote-counter', { op: 'add', n: 10 } as Counter)).toBe(16);
  });

  test('deferred replies, timeouts with late replies dropped, and calls to dead servers', async () => {
    const pid = await GenServer.start(counter, 7, { scheduler: 1 });
    const slow = GenServer.call(pid, { op: 'slow' } as never);
    const timedOut = await GenServer.call(pid, { op: 'slow' } as never, 20).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(CallTimeoutError);
    expect((timedOut as CallTimeoutError).target).toBe(pid.toString()); // the live server, not "a process that exited"
    GenServer.cast(pid, { op: 'release' } as never);
    expect(await slow).toBe(7);
    await GenServer.stop(pid);
    await expect(GenServer.call(pid, { op: 'get' } as never)).rejects.toBeInstanceOf(NoProcError);
  });

  test('GenServer.stop with a {shutdown: term} reason resolves for a server on another scheduler', async () => {
    const pid = await GenServer.start(counter, 0, { scheduler: 1 });
    const exited = awaitExit(pid);
    await expect(GenServer.stop(pid, { shutdown: 'reconfigured' })).resolves.toBeUndefined();
    expect(await exited).toEqual({ shutdown: 'reconfigured' });
  });

  test('a crash in a remote handleCall is a CallExitError, and the exit reason crosses as a Crash', async () => {
    const pid = await GenServer.start(counter, 0, { scheduler: 1 });
    const exited = awaitExit(pid);
    await expect(GenServer.call(pid, { op: 'crash' } as never)).rejects.toBeInstanceOf(CallExitError);
    const reason = await exited;
    expect(reason).toBeInstanceOf(Crash);
    expect((reason as Crash).message).toBe('remote handleCall failed');
  });

  test('call timeouts are measured from each call, however long the caller has been waiting on others', async () => {
    // Regression: deadlines once came from a scheduler clock that only advanced when that
    // scheduler ran, so a process awaiting remote replies saw its later calls expire early.
    const pid = await GenServer.start(counter, 0, { scheduler: 1 });
    const outcome = await new Promise<number>((resolve, reject) => {
      spawn(async () => {
        const until = performance.now() + 1500;
        let calls = 0;
        try {
          while (performance.now() < until) {
            await GenServer.call(pid, { op: 'get' } as never, 1000);
            calls++;
          }
          resolve(calls);
        } catch (error) {
          reject(error);
        }
      });
    });
    expect(outcome).toBeGreaterThan(0);
  });

  test('init that stops or ignores on the other scheduler rejects the start', async () => {
    const picky = GenServer.remote<never>(fixture, 'picky');
    await expect(GenServer.start(picky, 'stop' as never, { scheduler: 1 })).rejects.toBeInstanceOf(StartError);
    await expect(GenServer.start(picky, 'ignore' as never, { scheduler: 1 })).rejects.toMatchObject({ code: 'ignore' });
    await expect(
      GenServer.start(GenServer.remote<never>(fixture, 'nothing'), undefined as never, { scheduler: 1 }),
    ).rejects.toThrow(/no export nothing/);
  });

  test('startLink of a server whose init stops on the other scheduler: the exit kills a caller that does not trap, a trapping one gets the rejection', async () => {
    const picky = GenServer.remote<never>(fixture, 'picky');
    const outcomes: Record<string, unknown> = {};
    const startFrom = (trap: boolean) =>
      spawn(async (ctx) => {
        ctx.trapExit(trap);
        try {
          outcomes[String(trap)] = await GenServer.startLink(picky, 'stop' as never, { scheduler: 1 });
        } catch (error) {
          outcomes[String(trap)] = error;
        }
        outcomes[`${String(trap)}:leftover`] = await ctx.receive(undefined, 0);
        await ctx.receive((m) => m === 'end');
      });
    const plain = startFrom(false);
    const trapping = startFrom(true);
    expect(await awaitExit(plain)).toBe('bad_config');
    while (!('true:leftover' in outcomes)) await new Promise((r) => setImmediate(r));
    expect(outcomes.true).toBeInstanceOf(StartError);
    expect((outcomes.true as StartError).reason).toBe('bad_config');
    expect(outcomes['true:leftover']).toBeUndefined(); // the EXIT was consumed
    expect('false' in outcomes).toBe(false); // the killed caller ran nothing more
    send(trapping, 'end');
  });

  test('GenServer.calls on another scheduler: typed requests work, one with no handler fails only that call', async () => {
    const kv = await GenServer.start(GenServer.remote<never>(fixture, 'kv'), undefined as never, { scheduler: 1 });
    expect(await GenServer.call(kv, { type: 'put', key: 'a', value: 1 } as never)).toBe('ok');
    const error = await GenServer.call(kv, { type: 'nope' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallExitError);
    expect(String((error as CallExitError).reason)).toContain('no handler');
    expect(await GenServer.call(kv, { type: 'get', key: 'a' } as never)).toBe(1);
  });

  test('a function cannot be placed on another scheduler; a scheduler that does not exist is refused', () => {
    expect(() => spawn(() => undefined, { scheduler: 1 })).toThrow(BadArgError);
    expect(() => spawn({ module: fixture, export: 'echo' }, { scheduler: 7 })).toThrow(BadArgError);
  });
});

describe('links, monitors and exit signals across schedulers', () => {
  test('an abnormal exit on scheduler 1 kills a linked process on scheduler 0; normal does not', async () => {
    const [a, b] = await Promise.all([
      GenServer.start(counter, 0, { scheduler: 1 }),
      GenServer.start(counter, 0, { scheduler: 1 }),
    ]);
    const linkedTo = (target: Pid) =>
      spawn(async (ctx) => {
        ctx.link(target);
        await ctx.receive((m) => m === 'never');
      });
    const victim = linkedTo(a);
    const survivor = linkedTo(b);
    await GenServer.call(a, { op: 'get' } as never); // the links are in place before the exits below
    await GenServer.call(b, { op: 'get' } as never);
    const victimExit = awaitExit(victim);
    GenServer.cast(a, { op: 'exit', reason: 'boom' } as never);
    GenServer.cast(b, { op: 'exit', reason: 'normal' } as never);
    expect(await victimExit).toBe('boom');
    // b's exit signal and its DOWN travel in order on one ring: once the DOWN is in, so was the signal.
    await awaitExit(b);
    expect(node.lookup(survivor)).toBeDefined();
  });

  test('a trapping process gets EXIT and DOWN from the other scheduler, with the reasons', async () => {
    const c = collector();
    const target = await GenServer.start(counter, 0, { scheduler: 1 });
    spawn({ module: fixture, export: 'watcher', args: [target, c.pid] }, { scheduler: 0 });
    await c.next(has('ready'));
    GenServer.cast(target, { op: 'exit', reason: 'bye' } as never);
    const got = [await c.next(has('exit')), await c.next(has('down'))] as {
      exit?: string;
      down?: string;
      from?: Pid;
    }[];
    expect(got[0]!.exit).toBe('bye');
    expect(got[0]!.from!.equals(target)).toBe(true);
    expect(got[1]!.down).toBe('bye');
  });

  test("a watcher on scheduler 1 sees a scheduler-0 process's exit; 'kill' from afar arrives as 'killed'", async () => {
    const c = collector();
    const target = spawn(async (ctx) => {
      ctx.trapExit(true);
      await ctx.receive((m) => m === 'never');
    });
    spawn({ module: fixture, export: 'watcher', args: [target, c.pid] }, { scheduler: 1 });
    await c.next(has('ready'));
    exit(target, 'kill');
    const down = (await c.next(has('down'))) as { down: string };
    const ex = (await c.next(has('exit'))) as { exit: string };
    expect([down.down, ex.exit]).toEqual(['killed', 'killed']);
  });

  test('monitoring a dead remote pid gives noproc; demonitor stops the DOWN', async () => {
    const pid = await GenServer.start(counter, 0, { scheduler: 1 });
    await GenServer.stop(pid);
    const results: unknown[] = [];
    const live = await GenServer.start(counter, 0, { scheduler: 1 });
    const watcher = spawn(async (ctx) => {
      ctx.monitor(pid);
      results.push(((await ctx.receive((m) => m instanceof DownMessage)) as DownMessage).reason);
      const ref = ctx.monitor(live);
      results.push(ctx.demonitor(ref));
      ctx.send(ctx.self, 'sync');
      await ctx.receive((m) => m === 'sync');
    });
    await awaitExit(watcher);
    await GenServer.stop(live);
    expect(results).toEqual(['noproc', true]);
  });

  test('linking to a dead remote pid delivers noproc', async () => {
    const pid = await GenServer.start(counter, 0, { scheduler: 1 });
    await GenServer.stop(pid);
    let msg: unknown;
    const p = spawn(async (ctx) => {
      ctx.trapExit(true);
      ctx.link(pid);
      msg = await ctx.receive();
    });
    await awaitExit(p);
    expect(msg).toBeInstanceOf(ExitMessage);
    expect((msg as ExitMessage).reason).toBe('noproc');
  });
});

describe('registry across schedulers', () => {
  test('one namespace for the node: duplicates are refused across schedulers, names are released at exit', async () => {
    const remote = await GenServer.start(counter, 0, { scheduler: 1, name: 'shared' });
    const local = spawn(async (ctx) => void (await ctx.receive()));
    expect(() => register('shared', local)).toThrow(AlreadyRegisteredError);
    await GenServer.stop(remote);
    expect(whereis('shared')).toBeUndefined();
    register('shared', local);
    await expect(GenServer.start(counter, 0, { scheduler: 1, name: 'shared' })).rejects.toMatchObject({
      code: 'already_started',
    });
  });
});

describe('supervision across schedulers', () => {
  test('a supervisor on scheduler 0 restarts a crashed child on scheduler 1, and shuts it down through terminate', async () => {
    const c = collector();
    const reporter = GenServer.remote<never>(fixture, 'reporter');
    const sup = await Supervisor.start({
      children: [GenServer.childSpec('r', reporter, { report: c.pid, trap: true } as never, { scheduler: 1 })],
    });
    const [first] = await Supervisor.whichChildren(sup);
    const firstPid = first!.pid as Pid;
    expect(firstPid.id % 64).toBe(1);
    const exited = awaitExit(firstPid);
    GenServer.cast(firstPid, 'crash' as never);
    expect(await exited).toBeInstanceOf(Crash);
    expect(await c.next(has('terminated'))).toEqual({ terminated: 'crash' });
    const [second] = await Supervisor.whichChildren(sup);
    expect((second!.pid as Pid).equals(firstPid)).toBe(false);
    await GenServer.stop(sup, 'shutdown');
    expect(await c.next(has('terminated'))).toEqual({ terminated: 'shutdown' });
  });

  test('a whole subtree starts on scheduler 1 from a spec named by module and export', async () => {
    const sup = await Supervisor.start({ module: fixture, export: 'subtree' }, { scheduler: 1 });
    expect(sup.id % 64).toBe(1);
    expect(await GenServer.call('sub-counter', { op: 'add', n: 2 } as Counter)).toBe(2);
    const children = await Supervisor.whichChildren(sup);
    expect(children.map((ch) => ch.id)).toEqual(['sub-counter']);
  });

  test('round_robin and least_loaded place children on both schedulers', async () => {
    const placed = await Promise.all(
      Array.from({ length: 4 }, () => GenServer.start(counter, 0, { scheduler: 'round_robin' })),
    );
    expect(new Set(placed.map((p) => p.id % 64))).toEqual(new Set([0, 1]));
    const least = await GenServer.start(counter, 0, { scheduler: 'least_loaded' });
    expect([0, 1]).toContain(least.id % 64);
  });
});

describe('scheduler failure', () => {
  test('a scheduler thread that dies: its processes exit with a reason naming it, links and monitors fire, supervisors restart children on its replacement', async () => {
    const c = collector();
    const sup = await Supervisor.start({
      intensity: 5,
      children: [GenServer.childSpec('w', counter, 0, { scheduler: 1, name: 'w' })],
    });
    const [child] = await Supervisor.whichChildren(sup);
    const oldPid = child!.pid as Pid;
    const linked = spawn(async (ctx) => {
      ctx.trapExit(true);
      ctx.link(oldPid);
      ctx.monitor(oldPid);
      ctx.send(c.pid, { ready: true });
      for (;;) ctx.send(c.pid, { got: await ctx.receive() });
    });
    await c.next(has('ready'));
    await GenServer.call(oldPid, { op: 'get' } as never);
    const pending = GenServer.call(oldPid, { op: 'slow' } as never, Infinity);
    const downs: number[] = [];
    node.events.on('scheduler_down', (e) => downs.push(e.scheduler));

    await cluster().terminate(1);

    await expect(pending).rejects.toBeInstanceOf(CallExitError);
    const got = [(await c.next(has('got'))) as { got: unknown }, (await c.next(has('got'))) as { got: unknown }].map(
      (m) => m.got,
    );
    const reasons = got.map((m) => (m as ExitMessage | DownMessage).reason);
    expect(reasons).toEqual([{ scheduler_down: 1 }, { scheduler_down: 1 }]);
    expect(downs).toEqual([1]);
    // The supervisor restarted the child on the replacement scheduler, under the same name.
    let restarted: Pid | undefined;
    while (restarted === undefined || restarted.equals(oldPid)) {
      const [row] = await Supervisor.whichChildren(sup);
      restarted = typeof row!.pid === 'object' ? row!.pid : undefined;
    }
    expect(restarted.id % 64).toBe(1);
    expect(await GenServer.call('w', { op: 'get' } as never)).toBe(0);
    expect(node.lookup(linked)).toBeDefined(); // trapping: it got messages, it did not die
  });

  test('an uncaught error that kills a scheduler thread is survived the same way', async () => {
    const pid = await GenServer.start(counter, 0, { scheduler: 1 });
    const exited = awaitExit(pid);
    const downs: number[] = [];
    node.events.on('scheduler_down', (e) => downs.push(e.scheduler));
    spawn({ module: fixture, export: 'crashThread' }, { scheduler: 1 });
    expect(await exited).toEqual({ scheduler_down: 1 });
    expect(downs).toEqual([1]);
    // The replacement takes new work.
    const fresh = await GenServer.start(counter, 3, { scheduler: 1 });
    expect(await GenServer.call(fresh, { op: 'get' } as never)).toBe(3);
  });
});

describe('introspection and shutdown', () => {
  test('stats cover every scheduler; a worker lists its processes', async () => {
    await GenServer.start(counter, 0, { scheduler: 1, name: 'listed' });
    const stats = cluster().stats();
    expect(stats.map((s) => [s.scheduler, s.alive])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect(stats[1]!.processes).toBeGreaterThanOrEqual(1);
    const listed = await cluster().api(1)!.processes();
    expect(listed.some((p) => p.name === 'listed' && p.scheduler === 1)).toBe(true);
  });

  test('processInfo, the process list and the supervision tree cover every scheduler', async () => {
    const remote = await GenServer.start(counter, 0, { scheduler: 1, name: 'seen-from-afar' });
    const local = spawn(async (ctx) => void (await ctx.receive()));
    const all = await allProcesses();
    const row = all.find((p) => p.pid.equals(remote))!;
    expect(row).toMatchObject({ name: 'seen-from-afar', scheduler: 1, behaviour: 'gen_server' });
    expect(all.find((p) => p.pid.equals(local))!.scheduler).toBe(0);
    expect((await processInfoAsync(remote))!.name).toBe('seen-from-afar');
    expect([schedulerOfPid(remote), schedulerOfPid(local)]).toEqual([1, 0]);
    // Without a message: known here, unknown (undefined) for a process on the other scheduler.
    expect([isProcessAlive(local), isProcessAlive(remote)]).toEqual([true, undefined]);
    expect(schedulers().map((s) => s.scheduler)).toEqual([0, 1]);

    const top = await Supervisor.start({
      children: [Supervisor.childSpec('far', { module: fixture, export: 'subtree' }, { scheduler: 1 })],
    });
    const tree = await supervisionTree(top);
    expect(tree!.children[0]).toMatchObject({ id: 'far', kind: 'supervisor' });
    expect(tree!.children[0]!.children.map((c) => [c.id, c.name])).toEqual([['sub-counter', 'sub-counter']]);
  });

  test('node stop ends every scheduler thread', async () => {
    await GenServer.start(counter, 0, { scheduler: 1 });
    await node.stop();
    expect(
      cluster()
        .stats()
        .filter((s) => s.alive)
        .map((s) => s.scheduler),
    ).toEqual([0]);
  });
});
