import {
  awaitExit,
  ExitMessage,
  exit,
  GenServer,
  ok,
  processInfo,
  send,
  spawn,
  type Node,
  type Pid,
  type ProcessContext,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

/** A process that waits forever (until it is signalled). */
const idle = async (ctx: ProcessContext) => {
  await ctx.receive((m) => m === 'never-sent');
};

/** Spawns a process that links to `to` and then waits; resolves with its pid once linked. */
function linkedTo(to: Pid, trap = false): Pid {
  return spawn((ctx) => {
    ctx.trapExit(trap);
    ctx.link(to);
    return idle(ctx);
  });
}

describe('links and exit signals', () => {
  test('an abnormal exit propagates along a chain of links', async () => {
    const a = spawn(async (ctx) => {
      await ctx.receive();
      ctx.exit('boom');
    });
    const b = linkedTo(a);
    const c = linkedTo(b);
    await new Promise((r) => setImmediate(r));
    send(a, 'go');
    expect(await awaitExit(c)).toBe('boom');
    expect(await awaitExit(b)).toBe('noproc'); // already gone
  });

  test("'normal' does not kill a non-trapping linked process", async () => {
    const a = spawn(async (ctx) => void (await ctx.receive()));
    const b = linkedTo(a);
    await new Promise((r) => setImmediate(r));
    send(a, 'go');
    expect(await awaitExit(a)).toBe('normal');
    await new Promise((r) => setImmediate(r));
    expect(processInfo(b)).toBeDefined();
    expect(processInfo(b)!.links).toEqual([]);
  });

  test('trapExit turns exit signals into EXIT messages', async () => {
    const received: ExitMessage[] = [];
    const a = spawn(async (ctx) => {
      await ctx.receive();
      ctx.exit('crashed');
    });
    const trapper = spawn(async (ctx) => {
      ctx.trapExit(true);
      ctx.link(a);
      ctx.send(a, 'go');
      received.push(await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage));
      ctx.exitSignal(ctx.self, 'not-fatal'); // exit/2 to itself while trapping: a message too
      received.push(await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage));
    });
    expect(await awaitExit(trapper)).toBe('normal');
    expect(received.map((m) => [m.from, m.reason])).toEqual([
      [a, 'crashed'],
      [trapper, 'not-fatal'],
    ]);
  });

  test("'kill' cannot be trapped, ends the process as 'killed', and links see 'killed'", async () => {
    const victim = spawn((ctx) => {
      ctx.trapExit(true);
      return idle(ctx);
    });
    const seen: ExitMessage[] = [];
    const observer = spawn(async (ctx) => {
      ctx.trapExit(true);
      ctx.link(victim);
      ctx.send(ctx.self, 'linked');
      await ctx.receive((m) => m === 'linked');
      exit(victim, 'kill');
      seen.push(await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage));
    });
    await awaitExit(observer);
    expect(seen[0]!.reason).toBe('killed');
    expect(await awaitExit(victim)).toBe('noproc');
  });

  test("exit(pid, 'normal') from another process is ignored by a non-trapping process", async () => {
    const pid = spawn(idle);
    exit(pid, 'normal');
    await new Promise((r) => setImmediate(r));
    expect(processInfo(pid)).toBeDefined();
    const exited = awaitExit(pid);
    exit(pid, 'shutdown');
    expect(await exited).toBe('shutdown');
  });

  test('linking to a dead process delivers noproc', async () => {
    const dead = spawn(() => undefined);
    await awaitExit(dead);
    const nonTrapping = spawn((ctx) => {
      ctx.link(dead);
      return idle(ctx);
    });
    expect(await awaitExit(nonTrapping)).toBe('noproc');
    let msg: unknown;
    const trapping = spawn(async (ctx) => {
      ctx.trapExit(true);
      ctx.link(dead);
      msg = await ctx.receive();
    });
    await awaitExit(trapping);
    expect(msg).toBeInstanceOf(ExitMessage);
    expect((msg as ExitMessage).reason).toBe('noproc');
  });

  test('unlink stops propagation', async () => {
    const a = spawn(async (ctx) => {
      await ctx.receive();
      ctx.exit('boom');
    });
    const b = spawn(async (ctx) => {
      ctx.link(a);
      ctx.unlink(a);
      ctx.send(a, 'go');
      await ctx.receive((m) => m === 'never');
    });
    expect(await awaitExit(a)).toBe('boom');
    await new Promise((r) => setImmediate(r));
    expect(processInfo(b)).toBeDefined();
  });

  test('spawnLink links atomically; spawnMonitor monitors', async () => {
    let child: Pid | undefined;
    const parent = spawn(async (ctx) => {
      child = ctx.spawnLink(async (c) => {
        await c.receive();
        c.exit('child-died');
      });
      const [, ref] = ctx.spawnMonitor(() => undefined);
      const down = await ctx.receive(
        (m) => typeof m === 'object' && m !== null && 'ref' in m && (m as { ref: unknown }).ref === ref,
      );
      expect(down).toBeDefined();
      ctx.send(child, 'go');
      await ctx.receive((m) => m === 'never');
    });
    expect(await awaitExit(parent)).toBe('child-died');
  });

  test('a long chain of links does not overflow the stack', async () => {
    const first = spawn(idle);
    let previous = first;
    const pids: Pid[] = [];
    for (let i = 0; i < 20_000; i++) {
      const to = previous;
      previous = spawn((ctx) => {
        ctx.link(to);
        return idle(ctx);
      });
      pids.push(previous);
    }
    const last = pids[pids.length - 1]!;
    // The run queue is FIFO: once the last process has linked, all have.
    while (processInfo(last)!.links.length === 0) await new Promise((r) => setImmediate(r));
    exit(first, 'cascade');
    expect(await awaitExit(first)).toBe('noproc');
    expect(processInfo(pids[pids.length - 1]!)).toBeUndefined();
  });
});

test('watchers that are removed leave nothing on the watched process (a started GenServer, a demonitor, a watcher that exits)', async () => {
  // GenServer.start watches the new server until init returns.
  const server = (await GenServer.start(GenServer.define({ init: () => ok(0) }), undefined)) as Pid;
  expect(node.lookup(server)!.monitoredBy).toBeNull();
  // A monitor taken down by demonitor.
  const target = spawn(idle);
  const watcher = spawn(async (ctx) => {
    const ref = ctx.monitor(target);
    ctx.demonitor(ref);
    await ctx.receive((m) => m === 'go');
    ctx.monitor(target);
    await ctx.receive((m) => m === 'never-sent');
  });
  await new Promise((resolve) => setImmediate(resolve));
  expect(node.lookup(target)!.monitoredBy).toBeNull();
  // A monitor whose watcher exits.
  send(watcher, 'go');
  await new Promise((resolve) => setImmediate(resolve));
  expect(node.lookup(target)!.monitoredBy?.size).toBe(1);
  exit(watcher, 'kill');
  await awaitExit(watcher);
  expect(node.lookup(target)!.monitoredBy).toBeNull();
});
