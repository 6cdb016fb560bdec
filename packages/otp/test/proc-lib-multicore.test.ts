import {
  AlreadyStartedError,
  awaitExit,
  BadArgError,
  CallExitError,
  ExitMessage,
  GenServer,
  IgnoredError,
  Node,
  ProcLib,
  schedulerOfPid,
  send,
  spawn,
  StartError,
  sys,
  via,
  whereis,
  type NameService,
  type Pid,
} from '@erlmcp/otp';
import { threadId } from 'node:worker_threads';

/** Worker schedulers load compiled code: the behaviour's factory is plain JS, named by module and export. */
const fixture = require.resolve('./fixtures/behaviour.js');
const meter = ProcLib.remote(fixture, 'meter');
type Meter = { count: number; parent: string | null };

let node: Node;
beforeAll(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterAll(() => node.stop());

/** Resolves once `ready()` is true, turning the event loop between looks (bounded by jest's timeout). */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setImmediate(r));
}

test('a behaviour of its own starts on scheduler 1 from its factory spec, named; calls, casts and sys reach it from scheduler 0; stop ends it', async () => {
  const pid = await ProcLib.start(meter, 3, { scheduler: 1, name: 'meter' });
  expect(schedulerOfPid(pid)).toBe(1);
  expect(whereis('meter')!.equals(pid)).toBe(true);
  expect(await GenServer.call(pid, 'where')).not.toBe(threadId);
  GenServer.cast('meter', 'inc');
  expect(await GenServer.call('meter', 'get')).toEqual({ count: 4, parent: null });
  expect(await sys.getState(pid)).toEqual({ count: 4 });
  expect(await sys.getStatus(pid)).toMatchObject({ behaviour: 'meter', status: 'running' });
  await sys.suspend(pid);
  GenServer.cast(pid, 'inc');
  expect(await sys.getState(pid)).toEqual({ count: 4 }); // the cast is held while suspended
  await sys.resume(pid);
  expect(await sys.getState(pid)).toEqual({ count: 5 });
  const exited = awaitExit(pid);
  await ProcLib.stop('meter', 'shutdown');
  expect(await exited).toBe('shutdown');
  expect(whereis('meter')).toBeUndefined();
});

test('startLink from scheduler 0: the behaviour is told its parent; its crash reaches the trapping parent as an EXIT, and a parent that does not trap dies of it', async () => {
  const seen: { parent?: Pid; child?: Pid; told?: Meter; exit?: ExitMessage } = {};
  const trapping = spawn(async (ctx) => {
    ctx.trapExit(true);
    seen.parent = ctx.self;
    seen.child = await ProcLib.startLink(meter, 0, { scheduler: 1, parent: ctx });
    seen.told = (await GenServer.call(seen.child, 'get')) as Meter;
    await GenServer.call(seen.child, 'crash').catch(() => undefined);
    seen.exit = (await ctx.receive((m) => m instanceof ExitMessage)) as ExitMessage;
  });
  await awaitExit(trapping);
  expect(schedulerOfPid(seen.child!)).toBe(1);
  expect(seen.told!.parent).toBe(seen.parent!.toString());
  expect(seen.exit!.from.equals(seen.child!)).toBe(true);
  expect(String((seen.exit!.reason as { error?: unknown }).error)).toContain('meter crashed');

  let child: Pid | undefined;
  const plain = spawn(async (ctx) => {
    child = await ProcLib.startLink(meter, 0, { scheduler: 1, parent: ctx });
    await ctx.receive((m) => m === 'never');
  });
  await until(() => child !== undefined);
  const plainExit = awaitExit(plain);
  const crashed = await GenServer.call(child!, 'crash').catch((e: unknown) => e);
  expect(crashed).toBeInstanceOf(CallExitError);
  expect(String(((await plainExit) as { error?: unknown }).error)).toContain('meter crashed');
});

test("a parent's shutdown reaches the remote behaviour across schedulers: it traps exits and leaves with the parent's reason", async () => {
  let child: Pid | undefined;
  const parent = spawn(async (ctx) => {
    child = await ProcLib.startLink(meter, 0, { scheduler: 1, parent: ctx, trapExit: true });
    await ctx.receive((m) => m === 'stop');
    ctx.exit('shutdown');
  });
  await until(() => child !== undefined);
  const childExit = awaitExit(child!);
  send(parent, 'stop');
  expect(await childExit).toBe('shutdown');
});

test('a remote init that throws, ignores or outlasts its timeout fails the start with the typed error; a taken name is AlreadyStartedError', async () => {
  const thrown = await ProcLib.start(meter, 'throw', { scheduler: 1 }).catch((e: unknown) => e);
  expect(thrown).toBeInstanceOf(StartError);
  expect(String(((thrown as StartError).reason as { error?: unknown }).error)).toContain('meter init failed');
  await expect(ProcLib.start(meter, 'ignore', { scheduler: 1 })).rejects.toBeInstanceOf(IgnoredError);
  const slow = await ProcLib.start(meter, 'slow', { scheduler: 1, timeout: 20, name: 'slow' }).catch((e: unknown) => e);
  expect(slow).toBeInstanceOf(StartError);
  expect((slow as StartError).reason).toBe('timeout');
  expect(whereis('slow')).toBeUndefined();
  const first = await ProcLib.start(meter, 0, { name: 'taken' }); // on scheduler 0
  await expect(ProcLib.start(meter, 0, { scheduler: 1, name: 'taken' })).rejects.toBeInstanceOf(AlreadyStartedError);
  await ProcLib.stop(first);
});

test('a trapping startLink caller gets the StartError of a remote init that throws, with the EXIT consumed', async () => {
  const outcome: { error?: unknown; leftover?: unknown } = {};
  const caller = spawn(async (ctx) => {
    ctx.trapExit(true);
    outcome.error = await ProcLib.startLink(meter, 'throw', { scheduler: 1, parent: ctx }).catch((e: unknown) => e);
    outcome.leftover = await ctx.receive(undefined, 0);
  });
  await awaitExit(caller);
  expect(outcome.error).toBeInstanceOf(StartError);
  expect(outcome.leftover).toBeUndefined();
});

test('what cannot cross schedulers is refused with BadArgError: a factory function, a via name, an export that is not a factory', async () => {
  await expect(
    ProcLib.start(() => ({ kind: 'x', handleMessage: () => undefined }), 0, { scheduler: 1 }),
  ).rejects.toBeInstanceOf(BadArgError);
  const service: NameService<string> = {
    registerName: () => true,
    unregisterName: () => undefined,
    whereisName: () => undefined,
  };
  await expect(ProcLib.start(meter, 0, { scheduler: 1, name: via(service, 'v') })).rejects.toBeInstanceOf(BadArgError);
  await expect(ProcLib.start(ProcLib.remote(fixture, 'notAFactory'), 0, { scheduler: 1 })).rejects.toThrow(
    /not a behaviour factory/,
  );
  await expect(ProcLib.start(ProcLib.remote(fixture, 'nothing'), 0, { scheduler: 1 })).rejects.toThrow(
    /no export nothing/,
  );
  await expect(ProcLib.start(meter, 0, { scheduler: 7 })).rejects.toBeInstanceOf(BadArgError);
});
