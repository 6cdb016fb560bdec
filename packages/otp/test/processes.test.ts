import net from 'node:net';
import {
  BadArgError,
  Crash,
  DownMessage,
  GenServer,
  NoCurrentProcessError,
  NoProcError,
  awaitExit,
  isProcessAlive,
  processInfo,
  self,
  send,
  spawn,
  Pid,
  type Node,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

describe('processes', () => {
  test('pids print as <Node.Id.0> and are unique', () => {
    const a = spawn(async (ctx) => void (await ctx.receive()));
    const b = spawn(async (ctx) => void (await ctx.receive()));
    expect(String(a)).toMatch(/^<0\.\d+\.0>$/);
    expect(a.equals(b)).toBe(false);
  });

  test('a spawned function runs as its own process and exits normal when it returns', async () => {
    let seen: Pid | undefined;
    const pid = spawn((ctx) => {
      seen = self();
      expect(ctx.self).toBe(seen);
    });
    expect(await awaitExit(pid)).toBe('normal');
    expect(seen).toBe(pid);
  });

  test('GenServer.stop of a spawned function is a BadArgError and leaves it running', async () => {
    const got: unknown[] = [];
    const pid = spawn(async (ctx) => void got.push(await ctx.receive()));
    await expect(GenServer.stop(pid)).rejects.toBeInstanceOf(BadArgError);
    send(pid, 'still here');
    expect(await awaitExit(pid)).toBe('normal');
    expect(got).toEqual(['still here']);
  });

  test('messages between two processes arrive in the order sent', async () => {
    const got: number[] = [];
    const receiver = spawn(async (ctx) => {
      for (let i = 0; i < 1000; i++) got.push(await ctx.receive<number>());
    });
    spawn(() => {
      for (let i = 0; i < 1000; i++) send(receiver, i);
    });
    await awaitExit(receiver);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  test('selective receive takes the first matching message and leaves the rest in order', async () => {
    const order: unknown[] = [];
    const pid = spawn(async (ctx) => {
      order.push(await ctx.receive((m) => m === 'b'));
      order.push(await ctx.receive());
      order.push(await ctx.receive());
    });
    send(pid, 'a');
    send(pid, 'b');
    send(pid, 'c');
    await awaitExit(pid);
    expect(order).toEqual(['b', 'a', 'c']);
  });

  test('receive with a timeout resolves undefined when nothing matches in time', async () => {
    let result: unknown = 'unset';
    const pid = spawn(async (ctx) => {
      result = await ctx.receive((m) => m === 'never', 20);
    });
    send(pid, 'other');
    await awaitExit(pid);
    expect(result).toBeUndefined();
  });

  test('a throw ends the process with a Crash carrying the error and its stack', async () => {
    const pid = spawn(() => {
      throw new Error('bad thing');
    });
    const reason = await awaitExit(pid);
    expect(reason).toBeInstanceOf(Crash);
    expect((reason as Crash).message).toBe('bad thing');
    expect((reason as Crash).stack).toContain('bad thing');
  });

  test('a rejected promise ends the process and never becomes an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const pid = spawn(async (ctx) => {
        await ctx.receive();
        throw new Error('async failure');
      });
      send(pid, 'go');
      const reason = await awaitExit(pid);
      expect((reason as Crash).message).toBe('async failure');
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('ctx.exit ends the process with the given reason, not a crash', async () => {
    const pid = spawn((ctx) => ctx.exit('done'));
    expect(await awaitExit(pid)).toBe('done');
  });

  test('sending to a dead pid is dropped; to an unknown name is a NoProcError; undefined is refused', async () => {
    const pid = spawn(() => undefined);
    await awaitExit(pid);
    expect(() => send(pid, 'hello')).not.toThrow();
    expect(() => send('nobody', 'hello')).toThrow(NoProcError);
    expect(() => send(pid, undefined)).toThrow(BadArgError);
  });

  test('self() outside a process is a typed error', () => {
    expect(() => self()).toThrow(NoCurrentProcessError);
  });

  test('processInfo reports mailbox length, messages handled and status', async () => {
    const pid = spawn(async (ctx) => {
      await ctx.receive((m) => m === 'go');
      await ctx.receive((m) => m === 'end');
    });
    send(pid, 'x');
    send(pid, 'go');
    await new Promise((r) => setImmediate(r));
    const info = processInfo(pid)!;
    expect(info.messageQueueLen).toBe(1);
    expect(info.messagesHandled).toBe(1);
    expect(info.status).toBe('waiting');
    expect(info.behaviour).toBe('process');
    send(pid, 'end');
    await awaitExit(pid);
    expect(processInfo(pid)).toBeUndefined();
  });

  test('isProcessAlive answers without a message: true while running, false after exit and for a pid of another node', async () => {
    const pid = spawn(async (ctx) => void (await ctx.receive()));
    expect(isProcessAlive(pid)).toBe(true);
    send(pid, 'end');
    await awaitExit(pid);
    expect(isProcessAlive(pid)).toBe(false);
    expect(isProcessAlive(new Pid(pid.node + 1, pid.id))).toBe(false);
  });
});

describe('scheduling', () => {
  /** A process that sends itself a message for every message it handles: it is always runnable. */
  function flooder(): Pid {
    return spawn(async (ctx) => {
      ctx.send(ctx.self, 0);
      for (;;) {
        const m = await ctx.receive();
        if (m === 'stop') return;
        ctx.send(ctx.self, 0);
      }
    });
  }

  const flooderBehaviour = {
    kind: 'flooder',
    handleMessage(message: unknown, ctx: { self: Pid; send(to: Pid, m: unknown): void; exit(r: string): never }) {
      if (message === 'stop') ctx.exit('normal');
      ctx.send(ctx.self, message);
    },
  };

  test.each([
    ['a body process', () => flooder()],
    [
      'a behaviour',
      () => {
        const p = spawn(flooderBehaviour);
        send(p, 0);
        return p;
      },
    ],
  ])('%s flooding itself does not starve other processes, timers or sockets', async (_label, start) => {
    const busy = start();

    // Another process still gets to run.
    const other = spawn(async (ctx) => {
      await ctx.receive();
    });
    send(other, 'hello');
    expect(await awaitExit(other)).toBe('normal');

    // Timers still fire.
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Sockets are still served.
    const server = net.createServer((socket) => socket.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const reply = await new Promise<string>((resolve, reject) => {
      const client = net.connect(port, '127.0.0.1');
      let data = '';
      client.on('data', (chunk) => (data += chunk.toString()));
      client.on('end', () => resolve(data));
      client.on('error', reject);
    });
    await new Promise((resolve) => server.close(resolve));
    expect(reply).toBe('pong');

    expect(processInfo(busy)!.messagesHandled).toBeGreaterThan(0);
    send(busy, 'stop');
    await awaitExit(busy);
  });
});

describe('monitors', () => {
  test('a monitor delivers DOWN with the exit reason; noproc if already dead', async () => {
    const target = spawn(async (ctx) => {
      await ctx.receive();
      ctx.exit('bye');
    });
    const downs: DownMessage[] = [];
    const watcher = spawn(async (ctx) => {
      const ref = ctx.monitor(target);
      ctx.send(target, 'go');
      const down = await ctx.receive<DownMessage>((m) => m instanceof DownMessage);
      expect(down.ref).toBe(ref);
      downs.push(down);
      ctx.monitor(target);
      downs.push(await ctx.receive<DownMessage>((m) => m instanceof DownMessage));
    });
    await awaitExit(watcher);
    expect(downs.map((d) => d.reason)).toEqual(['bye', 'noproc']);
    expect(downs[0]!.pid).toBe(target);
  });

  test('demonitor stops the DOWN; with flush it also drops one already delivered', async () => {
    const target = spawn(async (ctx) => void (await ctx.receive()));
    const result: unknown[] = [];
    const watcher = spawn(async (ctx) => {
      const a = ctx.monitor(target);
      const b = ctx.monitor(target);
      result.push(ctx.demonitor(a));
      ctx.send(target, 'die');
      await ctx.receive((m) => m instanceof DownMessage && m.ref === b);
      const c = ctx.monitor(target); // noproc DOWN is delivered at once
      result.push(ctx.demonitor(c, { flush: true }));
      result.push(await ctx.receive(undefined, 20));
    });
    await awaitExit(watcher);
    expect(result).toEqual([true, false, undefined]);
  });
});
