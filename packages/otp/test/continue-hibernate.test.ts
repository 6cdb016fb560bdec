import {
  awaitExit,
  CallExitError,
  continueWith,
  Crash,
  GenServer,
  GenStatem,
  hibernate,
  noreply,
  NoStateHandlerError,
  ok,
  reply,
  StartError,
  stop,
  sys,
  ExitMessage,
  spawn,
  type Node,
  type StatemEvent,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

// ---- handle_continue -----------------------------------------------------------

type Step = 'log' | { continue: string[] } | 'no_handler' | { async: string };
const stepper = GenServer.define({
  init: (first: string, ctx) => {
    ctx.send(ctx.self, 'early'); // already in the mailbox when init returns
    return ok<string[]>(['init'], continueWith(first));
  },
  handleCall: (req: Step, _from, log: string[]) => {
    if (req === 'log') return reply<string[], unknown>(log, log);
    if (req === 'no_handler') return reply<string[], unknown>('ok', log, continueWith('nowhere'));
    if ('async' in req) return reply<string[], unknown>('ok', [...log, 'call'], continueWith({ async: req.async }));
    return reply<string[], unknown>('ok', [...log, 'call'], continueWith(req.continue));
  },
  handleCast: (msg: string, log: string[]) => noreply([...log, `cast:${msg}`]),
  handleInfo: (msg, log: string[]) => noreply([...log, `info:${String(msg)}`]),
  async handleContinue(arg, log: string[]) {
    if (Array.isArray(arg)) {
      // A chain: each continuation asks for the next, and still no message comes between.
      const [head, ...rest] = arg as string[];
      const next = [...log, `continue:${head}`];
      return rest.length === 0 ? noreply(next) : noreply(next, continueWith(rest));
    }
    if (typeof arg === 'object' && arg !== null && 'async' in arg) {
      await new Promise((r) => setTimeout(r, 5));
      const what = (arg as { async: string }).async;
      return what === 'stop' ? stop('normal', log) : noreply([...log, `async:${what}`]);
    }
    return noreply([...log, `continue:${String(arg)}`]);
  },
});

describe('handleContinue', () => {
  test('from init: runs after the start returns and before a message already in the mailbox', async () => {
    const pid = await GenServer.start(stepper, 'load');
    expect(await GenServer.call(pid, 'log')).toEqual(['init', 'continue:load', 'info:early']);
  });

  test('after a reply: the caller has its answer, and the chain runs before the cast queued behind the call', async () => {
    const pid = await GenServer.start(stepper, 'load');
    const answer = GenServer.call(pid, { continue: ['a', 'b', 'c'] });
    GenServer.cast(pid, 'x'); // queued while handleCall runs
    expect(await answer).toBe('ok');
    expect(await GenServer.call(pid, 'log')).toEqual([
      'init',
      'continue:load',
      'info:early',
      'call',
      'continue:a',
      'continue:b',
      'continue:c',
      'cast:x',
    ]);
  });

  test('an async handleContinue holds the mailbox until it settles; its stop result stops the server', async () => {
    const pid = await GenServer.start(stepper, 'load');
    await GenServer.call(pid, { async: 'slow' });
    GenServer.cast(pid, 'y');
    expect(((await GenServer.call(pid, 'log')) as string[]).slice(-2)).toEqual(['async:slow', 'cast:y']);
    const exited = awaitExit(pid);
    await GenServer.call(pid, { async: 'stop' });
    expect(await exited).toBe('normal');
  });

  test('continuing without a handleContinue crashes the server with a BadArgError, after its start returned', async () => {
    const plain = GenServer.define({ init: () => ok(0, continueWith('go')) });
    const seen = new Promise<{ started: boolean; reason: unknown }>((resolve) => {
      spawn(async (ctx) => {
        ctx.trapExit(true);
        const pid = await GenServer.startLink(plain, undefined, { parent: ctx }); // init succeeded
        const exit = await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage && m.from.equals(pid));
        resolve({ started: true, reason: exit.reason });
      });
    });
    const { started, reason } = await seen;
    expect(started).toBe(true);
    expect(reason).toBeInstanceOf(Crash);
    expect((reason as Crash).where).toBe('handleContinue');
    expect((reason as Crash).message).toMatch(/no handleContinue/);
  });

  test('an async callback holds the mailbox even for a message it sent itself before its first await', async () => {
    const selfSender = GenServer.define({
      init: () => ok<string[]>([]),
      async handleCall(_req: 'go' | 'log', _from, log: string[], ctx) {
        if (_req === 'log') return reply<string[], unknown>(log, log);
        ctx.send(ctx.self, 'mine'); // queues this process while its callback is still pending
        await new Promise((r) => setTimeout(r, 5));
        return reply<string[], unknown>('ok', [...log, 'call']);
      },
      handleInfo: (msg, log: string[]) => noreply([...log, `info:${String(msg)}`]),
    });
    const pid = await GenServer.start(selfSender, undefined);
    await GenServer.call(pid, 'go');
    expect(await GenServer.call(pid, 'log')).toEqual(['call', 'info:mine']);
  });
});

// ---- hibernate -----------------------------------------------------------------

interface Cached {
  n: number;
  cache: Map<number, string>;
  compactions: number;
}
type CacheCall = 'block' | 'hibernate' | 'get';

describe('hibernate', () => {
  test('shrinks the mailbox storage a burst grew, drops caches through the hook, and the server carries on', async () => {
    let release!: () => void;
    const server = GenServer.define({
      init: () => ok<Cached>({ n: 0, cache: new Map(), compactions: 0 }),
      handleCall(req: CacheCall, _from, s: Cached) {
        if (req === 'block')
          return new Promise<ReturnType<typeof reply<Cached, unknown>>>(
            (resolve) => (release = () => resolve(reply('ok', s))),
          );
        if (req === 'hibernate') return reply<Cached, unknown>('ok', s, hibernate());
        return reply<Cached, unknown>(s.n, s);
      },
      handleCast(k: number, s: Cached) {
        s.cache.set(k, `value ${k}`);
        return noreply({ ...s, n: s.n + 1 });
      },
      hibernate: (s) => ({ ...s, cache: new Map(), compactions: s.compactions + 1 }),
    });
    const pid = await GenServer.start(server, undefined);
    const blocked = GenServer.call(pid, 'block');
    await new Promise((r) => setImmediate(r)); // the server is now inside its async handleCall
    for (let k = 0; k < 5000; k++) GenServer.cast(pid, k); // queue up behind it
    release();
    await blocked;
    expect(await GenServer.call(pid, 'get')).toBe(5000);
    const before = await sys.getStatus(pid);
    // The buffers the burst left (a full-size ring and a spare chunk): never shrunk by themselves.
    expect(before.mailboxSlots).toBeGreaterThanOrEqual(4096);
    expect(before.hibernations).toBe(0);

    await GenServer.call(pid, 'hibernate');
    const after = await sys.getStatus(pid);
    expect(after.mailboxSlots).toBe(16);
    expect(after.hibernations).toBe(1);
    const state = (await sys.getState(pid)) as Cached;
    expect(state.cache.size).toBe(0);
    expect(state.compactions).toBe(1);

    GenServer.cast(pid, 1); // wakes as usual
    expect(await GenServer.call(pid, 'get')).toBe(5001);
  });

  test('a hibernate hook that throws crashes the server, as any callback', async () => {
    const server = GenServer.define({
      init: () => ok(0),
      handleCast: (_m: 'sleep', s: number) => noreply(s, hibernate()),
      hibernate: (): number => {
        throw new Error('cannot compact');
      },
    });
    const pid = await GenServer.start(server, undefined);
    const exited = awaitExit(pid);
    GenServer.cast(pid, 'sleep');
    const reason = await exited;
    expect(reason).toBeInstanceOf(Crash);
    expect((reason as Crash).where).toBe('hibernate');
  });

  test("GenStatem's hibernate action hibernates the process the same way, with the data's hook", async () => {
    type D = { seen: string[]; compacted: number };
    const statem = GenStatem.define({
      callbackMode: 'state_functions',
      init: () => GenStatem.ok<'idle', D>('idle', { seen: [], compacted: 0 }, [GenStatem.hibernate()]),
      states: {
        idle: (event: StatemEvent<'data', string>, d: D) => {
          if (event.type === 'call') return GenStatem.keepStateAndData([GenStatem.reply(event.from, d)]);
          if (event.type === 'cast')
            return GenStatem.keepState(
              { ...d, seen: [...d.seen, event.message] },
              event.message === 'sleep' ? [GenStatem.hibernate()] : [],
            );
          return GenStatem.keepStateAndData();
        },
      },
      hibernate: (d) => ({ seen: [], compacted: d.compacted + 1 }),
    });
    const pid = await GenStatem.start(statem, undefined);
    expect(await GenStatem.call(pid, 'data')).toEqual({ seen: [], compacted: 1 }); // init's hibernate
    GenStatem.cast(pid, 'a');
    GenStatem.cast(pid, 'sleep');
    expect(await GenStatem.call(pid, 'data')).toEqual({ seen: [], compacted: 2 });
    const status = await sys.getStatus(pid);
    expect(status.hibernations).toBe(2);
    GenStatem.cast(pid, 'b');
    expect(await GenStatem.call(pid, 'data')).toEqual({ seen: ['b'], compacted: 2 });
  });
});

// ---- state_functions: a state with no handler -------------------------------------

describe('a state_functions statem and a state with no handler', () => {
  // Untyped, as from JavaScript or a cast: the types would refuse both (see types.check.ts).
  const untyped = (initial: string) =>
    GenStatem.define({
      callbackMode: 'state_functions',
      init: () => GenStatem.ok('a' as const, initial),
      states: {
        a: (event: StatemEvent<'go'>, d: string) =>
          GenStatem.nextState(d as 'a', d, event.type === 'call' ? [GenStatem.reply(event.from, 'went')] : []),
      },
    });

  test('moving to it crashes the statem with NoStateHandlerError; the caller sees that reason', async () => {
    const pid = await GenStatem.start(untyped('ghost'), undefined);
    const exited = awaitExit(pid);
    const error = await GenStatem.call(pid, 'go').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallExitError);
    const reason = await exited;
    expect(reason).toBeInstanceOf(Crash);
    expect((reason as Crash).error).toBeInstanceOf(NoStateHandlerError);
    expect(((reason as Crash).error as NoStateHandlerError).state).toBe('ghost');
  });

  test('starting in it fails the start', async () => {
    const bad = GenStatem.define({
      callbackMode: 'state_functions',
      init: () => GenStatem.ok('nowhere' as 'a', 0),
      states: { a: () => GenStatem.keepStateAndData() },
    });
    const error = await GenStatem.start(bad, undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect(((error as StartError).reason as Crash).error).toBeInstanceOf(NoStateHandlerError);
  });
});
