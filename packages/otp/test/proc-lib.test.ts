import {
  AlreadyStartedError,
  awaitExit,
  GenServer,
  IgnoredError,
  InitRequest,
  ProcLib,
  StartError,
  StopRequest,
  whereis,
  type Node,
  type Pid,
  type ProcessContext,
  type SpecialBehaviour,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

type Init = 'ok' | 'throw' | 'ignore' | 'slow';

/** A minimal behaviour on the proc_lib contract: acknowledges init, answers calls with its log, stops on request. */
class Echo implements SpecialBehaviour {
  readonly kind = 'echo';
  readonly log: string[] = [];
  constructor(readonly parent: Pid | undefined) {}

  async handleMessage(message: unknown, ctx: ProcessContext, tag: number): Promise<void> {
    if (message instanceof InitRequest) {
      const how = message.args as Init;
      if (how === 'throw') throw new Error('init failed');
      if (how === 'ignore') {
        message.reject(new IgnoredError()); // proc_lib:init_fail(ignore, ...)
        ctx.exit('normal');
      }
      if (how === 'slow') await new Promise((r) => setTimeout(r, 50));
      this.log.push(`init:${how}`);
      message.resolve(ctx.self);
      return;
    }
    if (message instanceof StopRequest) {
      this.log.push('stopping');
      ctx.exit(message.reason);
    }
    if (tag === 2) (message as { reply(v: unknown): boolean }).reply(this.log);
  }
}

test('start resolves once init acknowledged; calls reach the loop; stop ends it with the reason', async () => {
  const pid = await ProcLib.start((parent) => new Echo(parent), 'ok', { name: 'echo' });
  expect(whereis('echo')?.equals(pid)).toBe(true);
  expect(await GenServer.call(pid, 'log')).toEqual(['init:ok']);
  const exited = awaitExit(pid);
  await ProcLib.stop('echo', 'shutdown');
  expect(await exited).toBe('shutdown');
  expect(whereis('echo')).toBeUndefined();
});

test('an init that throws fails the start with StartError; ignore rejects with IgnoredError; a taken name with AlreadyStartedError', async () => {
  await expect(ProcLib.start((p) => new Echo(p), 'throw')).rejects.toBeInstanceOf(StartError);
  await expect(ProcLib.start((p) => new Echo(p), 'ignore')).rejects.toBeInstanceOf(IgnoredError);
  await ProcLib.start((p) => new Echo(p), 'ok', { name: 'taken' });
  await expect(ProcLib.start((p) => new Echo(p), 'ok', { name: 'taken' })).rejects.toBeInstanceOf(AlreadyStartedError);
});

test('an init longer than the timeout fails the start and the process is killed', async () => {
  const error = await ProcLib.start((p) => new Echo(p), 'slow', { timeout: 1, name: 'slow' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StartError);
  expect((error as StartError).reason).toBe('timeout');
  expect(whereis('slow')).toBeUndefined();
});

test('startLink links to the caller and tells the behaviour its parent', async () => {
  let parentSeen: Pid | undefined;
  const linked = new Promise<[Pid, Pid]>((resolve) => {
    void GenServer.start(
      GenServer.define({
        init: () => ({ kind: 'ok', state: null }),
        handleCast: async (_m: 'go', s: null, ctx) => {
          const child = await ProcLib.startLink((p) => ((parentSeen = p), new Echo(p)), 'ok', { parent: ctx });
          resolve([ctx.self, child]);
          return { kind: 'noreply', state: s };
        },
      }),
      undefined,
    ).then((pid) => GenServer.cast(pid, 'go'));
  });
  const [parent, child] = await linked;
  expect(parentSeen?.equals(parent)).toBe(true);
  const childExit = awaitExit(child);
  await GenServer.stop(parent, 'shutdown'); // the link takes the child down with it
  expect(await childExit).toBe('shutdown');
});
