import {
  AlreadyStartedError,
  CallExitError,
  CallTimeoutError,
  Crash,
  ExitMessage,
  From,
  GenServer,
  IgnoredError,
  NoProcError,
  StartError,
  awaitExit,
  exit,
  ignore,
  noreply,
  ok,
  processInfo,
  reply,
  replyAndStop,
  send,
  spawn,
  stop,
  via,
  whereis,
  type NameService,
  type Node,
  type Pid,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

type CounterCall = { op: 'get' } | { op: 'add'; n: number } | { op: 'slow' } | { op: 'crash' };
type CounterCast = { op: 'inc' } | { op: 'release' };

/** A counter whose `slow` calls are answered later, by `release`. */
const counter = GenServer.define({
  init: (start: number) => ok({ n: start, waiting: [] as From<number>[] }),
  handleCall: (req: CounterCall, from: From<number>, state) => {
    switch (req.op) {
      case 'get':
        return reply(state.n, state);
      case 'add':
        return reply(state.n + req.n, { ...state, n: state.n + req.n });
      case 'slow':
        return noreply({ ...state, waiting: [...state.waiting, from] });
      case 'crash':
        throw new Error('handleCall failed');
    }
  },
  handleCast: (msg: CounterCast, state) => {
    if (msg.op === 'inc') return noreply({ ...state, n: state.n + 1 });
    for (const from of state.waiting) GenServer.reply(from, state.n);
    return noreply({ ...state, waiting: [] });
  },
});

describe('GenServer', () => {
  test('call and cast with types that flow from the definition', async () => {
    const pid = await GenServer.start(counter, 10);
    GenServer.cast(pid, { op: 'inc' });
    const n: number = await GenServer.call(pid, { op: 'add', n: 5 });
    expect(n).toBe(16);
    expect(await GenServer.call(pid, { op: 'get' })).toBe(16);
  });

  test('handleCall may keep `from` and reply later (deferred reply)', async () => {
    const pid = await GenServer.start(counter, 7);
    const a = GenServer.call(pid, { op: 'slow' });
    const b = GenServer.call(pid, { op: 'slow' });
    expect(await GenServer.call(pid, { op: 'get' })).toBe(7); // the server is not blocked
    GenServer.cast(pid, { op: 'release' });
    expect(await Promise.all([a, b])).toEqual([7, 7]);
  });

  test('a call times out with a typed error, and the late reply is dropped', async () => {
    const pid = await GenServer.start(counter, 1);
    await expect(GenServer.call(pid, { op: 'slow' }, 20)).rejects.toBeInstanceOf(CallTimeoutError);
    GenServer.cast(pid, { op: 'release' }); // replies to the timed-out call: dropped
    expect(await GenServer.call(pid, { op: 'get' })).toBe(1);
    expect(processInfo(pid)).toBeDefined();
  });

  test('calling a dead pid or an unknown name is a typed noproc error', async () => {
    const pid = await GenServer.start(counter, 1);
    await GenServer.stop(pid);
    await expect(GenServer.call(pid, { op: 'get' })).rejects.toBeInstanceOf(NoProcError);
    await expect(GenServer.call('no-such-server', 'x')).rejects.toBeInstanceOf(NoProcError);
  });

  test('a crash in handleCall fails the call with CallExitError and ends the server with a Crash', async () => {
    const pid = await GenServer.start(counter, 1);
    const exited = awaitExit(pid);
    const error = await GenServer.call(pid, { op: 'crash' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallExitError);
    const reason = await exited;
    expect(reason).toBeInstanceOf(Crash);
    expect((reason as Crash).where).toBe('handleCall');
  });

  test('init may return ignore or stop, or throw: start rejects and nothing keeps running', async () => {
    const before = node.processCount;
    const def = GenServer.define({
      init: (mode: 'ignore' | 'stop' | 'throw') => {
        if (mode === 'ignore') return ignore();
        if (mode === 'stop') return stop('bad_config', undefined);
        throw new Error('init blew up');
      },
    });
    await expect(GenServer.start(def, 'ignore')).rejects.toBeInstanceOf(IgnoredError);
    const stopped = await GenServer.start(def, 'stop').catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(StartError);
    expect((stopped as StartError).reason).toBe('bad_config');
    const thrown = await GenServer.start(def, 'throw').catch((e: unknown) => e);
    expect(((thrown as StartError).reason as Crash).message).toBe('init blew up');
    expect(node.processCount).toBe(before);
  });

  test('a server killed before or during its async init fails the start with the kill, not leaving it pending', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inInit = new Promise<void>((resolve) => (entered = resolve));
    const def = GenServer.define({
      init: async () => {
        entered();
        await gate;
        return ok(null);
      },
    });
    const outcomes: Record<string, unknown> = {};
    const startKilled = async (name: string, when: 'at once' | 'in init') => {
      outcomes[name] = 'pending';
      GenServer.start(def, undefined, { name }).then(
        () => (outcomes[name] = 'started'),
        (error: unknown) => (outcomes[name] = error),
      );
      const pid = whereis(name)!;
      if (when === 'in init') await inInit;
      const exited = awaitExit(pid);
      exit(pid, 'kill');
      await exited;
    };
    await startKilled('killed_at_once', 'at once');
    await startKilled('killed_in_init', 'in init');
    await new Promise((r) => setImmediate(r));
    // Both starts settled as their process ended, before init's promise did.
    for (const outcome of Object.values(outcomes)) {
      expect(outcome).toBeInstanceOf(StartError);
      expect((outcome as StartError).reason).toBe('killed');
    }
    release();
    await new Promise((r) => setImmediate(r));
    expect(Object.values(outcomes).every((o) => o instanceof StartError)).toBe(true);
  });

  test('terminate runs on stop(), on a stop result, and after a crash', async () => {
    const log: string[] = [];
    const def = GenServer.define({
      init: () => ok(0),
      handleCall: (req: 'stop-me' | 'crash', _from, s: number) => {
        if (req === 'crash') throw new Error('x');
        return replyAndStop('normal', 'bye', s);
      },
      terminate: (reason) => {
        log.push(typeof reason === 'string' ? reason : 'crash');
      },
    });
    const a = await GenServer.start(def, undefined);
    await GenServer.stop(a, 'shutdown');
    const b = await GenServer.start(def, undefined);
    expect(await GenServer.call(b, 'stop-me')).toBe('bye');
    const c = await GenServer.start(def, undefined);
    await GenServer.call(c, 'crash').catch(() => undefined);
    await awaitExit(c);
    expect(log).toEqual(['shutdown', 'normal', 'crash']);
  });

  test('a server killed while an async callback is pending does not run terminate or its result afterwards', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = 0;
    let bothEntered!: () => void;
    const inCallback = new Promise<void>((resolve) => (bothEntered = resolve));
    const def = GenServer.define({
      init: () => ok(null),
      handleCast: async (mode: 'stop' | 'throw', state: null) => {
        if (++entered === 2) bothEntered();
        await gate;
        if (mode === 'throw') throw new Error('after the kill');
        return stop('normal', state);
      },
      terminate: (reason) => void log.push(`terminate:${String(reason)}`),
    });
    const servers = [await GenServer.start(def, undefined), await GenServer.start(def, undefined)];
    GenServer.cast(servers[0]!, 'stop');
    GenServer.cast(servers[1]!, 'throw');
    await inCallback;
    const reasons = servers.map((pid) => awaitExit(pid));
    for (const pid of servers) exit(pid, 'kill');
    expect(await Promise.all(reasons)).toEqual(['killed', 'killed']);
    release();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual([]);
  });

  test('replyAndStop runs terminate before the reply is sent, and replies even when terminate throws', async () => {
    const log: string[] = [];
    const def = GenServer.define({
      init: () => ok(null),
      handleCall: (mode: 'async' | 'throw', _from, state: null) =>
        replyAndStop(mode === 'throw' ? 'shutdown' : 'normal', `bye:${mode}`, state),
      terminate: async (reason) => {
        await new Promise((r) => setImmediate(r));
        log.push(`terminated:${String(reason)}`);
        if (reason === 'shutdown') throw new Error('terminate failed');
      },
    });
    for (const mode of ['async', 'throw'] as const) {
      const pid = await GenServer.start(def, undefined);
      const reply = await GenServer.call(pid, mode);
      log.push(String(reply));
    }
    expect(log).toEqual(['terminated:normal', 'bye:async', 'terminated:shutdown', 'bye:throw']);
  });

  test('a server taken down by a link during its own callback does not run terminate', async () => {
    const log: string[] = [];
    const def = GenServer.define({
      init: (_: undefined, ctx) => ok(ctx.spawnLink(async (worker) => void (await worker.receive()))),
      handleCast: (_m: 'kill_worker', worker: Pid, ctx) => {
        ctx.exitSignal(worker, 'kill'); // the worker's exit reaches us through the link at once
        return stop('normal', worker);
      },
      terminate: (reason) => void log.push(`terminate:${String(reason)}`),
    });
    const pid = await GenServer.start(def, undefined);
    const exited = awaitExit(pid);
    GenServer.cast(pid, 'kill_worker');
    expect(await exited).toBe('killed');
    expect(log).toEqual([]);
  });

  test('a trapping server is terminated by its parent through terminate; a non-trapping one is not', async () => {
    const log: string[] = [];
    const def = GenServer.define({
      init: (trap: boolean, ctx) => {
        ctx.trapExit(trap);
        return ok(trap);
      },
      terminate: (reason, trap) => void log.push(`${trap ? 'trapping' : 'plain'}:${String(reason)}`),
    });
    const children: Pid[] = [];
    const parent = spawn(async (ctx) => {
      children.push(await GenServer.startLink(def, true));
      await ctx.receive((m) => m === 'never');
    });
    const parent2 = spawn(async (ctx) => {
      children.push(await GenServer.startLink(def, false));
      await ctx.receive((m) => m === 'never');
    });
    while (children.length < 2) await new Promise((r) => setImmediate(r));
    const done = children.map((c) => awaitExit(c));
    exit(parent, 'shutdown');
    exit(parent2, 'shutdown');
    expect(await Promise.all(done)).toEqual(['shutdown', 'shutdown']);
    expect(log).toEqual(['trapping:shutdown']);
  });

  test('handleInfo receives plain messages and EXIT messages from non-parents', async () => {
    const infos: unknown[] = [];
    const def = GenServer.define({
      init: (_: void, ctx) => {
        ctx.trapExit(true);
        return ok(null);
      },
      handleInfo: (msg, s) => {
        infos.push(msg instanceof ExitMessage ? `EXIT:${String(msg.reason)}` : msg);
        return noreply(s);
      },
      handleCall: (_req: 'sync', _from, s) => reply('ok', s),
    });
    const pid = await GenServer.start(def, undefined);
    send(pid, { hello: 1 });
    const other = spawn(async (ctx) => void (await ctx.receive()));
    node.link(node.lookup(pid)!, other);
    exit(other, 'gone');
    await GenServer.call(pid, 'sync');
    expect(infos).toEqual([{ hello: 1 }, 'EXIT:gone']);
  });

  test('an inactivity timeout arrives as handleInfo("timeout") only when no message came', async () => {
    const seen: unknown[] = [];
    const def = GenServer.define({
      init: () => ok(0, 15),
      handleInfo: (msg, n: number) => {
        seen.push(msg);
        return noreply(n);
      },
      handleCall: (_req: 'get', _from, n: number) => reply(seen.length, n),
    });
    const pid = await GenServer.start(def, undefined);
    await new Promise((r) => setTimeout(r, 40));
    expect(seen).toEqual(['timeout']);
    expect(await GenServer.call(pid, 'get')).toBe(1); // the reply sets no new timeout
    await new Promise((r) => setTimeout(r, 40));
    expect(seen).toEqual(['timeout']);
  });

  test('names: registered before init, released at exit, duplicates rejected', async () => {
    const pid = await GenServer.start(counter, 3, { name: 'counter' });
    expect(whereis('counter')).toBe(pid);
    const typed = GenServer.ref(counter, 'counter');
    expect(await GenServer.call(typed, { op: 'get' })).toBe(3);
    const dup = await GenServer.start(counter, 4, { name: 'counter' }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(AlreadyStartedError);
    expect((dup as AlreadyStartedError).pid).toBe(pid);
    await GenServer.stop('counter');
    expect(whereis('counter')).toBeUndefined();
    await GenServer.start(counter, 5, { name: 'counter' });
    expect(await GenServer.call(typed, { op: 'get' })).toBe(5);
  });

  test('a via name service is used for start, call and cast, and released at exit', async () => {
    const table = new Map<string, Pid>();
    const service: NameService<string> = {
      registerName: (name, pid) => {
        if (table.has(name)) return false;
        table.set(name, pid);
        return true;
      },
      unregisterName: (name) => void table.delete(name),
      whereisName: (name) => table.get(name),
    };
    const name = via(service, 'session-1');
    const pid = await GenServer.start(counter, 1, { name });
    expect(table.get('session-1')).toBe(pid);
    GenServer.cast(name, { op: 'inc' });
    expect(await GenServer.call(name, { op: 'get' })).toBe(2);
    await expect(GenServer.start(counter, 1, { name })).rejects.toBeInstanceOf(AlreadyStartedError);
    await GenServer.stop(name);
    expect(table.has('session-1')).toBe(false);
  });

  test('an async handleCall holds the mailbox until it settles', async () => {
    const order: string[] = [];
    const def = GenServer.define({
      init: () => ok(null),
      handleCall: async (req: string, _from, s) => {
        order.push(`begin:${req}`);
        await new Promise((r) => setTimeout(r, 5));
        order.push(`end:${req}`);
        return reply(req, s);
      },
    });
    const pid = await GenServer.start(def, undefined);
    await Promise.all([GenServer.call(pid, 'a'), GenServer.call(pid, 'b')]);
    expect(order).toEqual(['begin:a', 'end:a', 'begin:b', 'end:b']);
  });

  test('a bad callback result crashes the server with a clear reason', async () => {
    const def = GenServer.define({
      init: () => ok(null),
      handleCast: () => 42 as never,
    });
    const pid = await GenServer.start(def, undefined);
    const exited = awaitExit(pid);
    GenServer.cast(pid, 'x' as never);
    const reason = (await exited) as Crash;
    expect(reason.message).toMatch(/expected reply\(\), noreply\(\) or stop\(\)/);
  });
});
