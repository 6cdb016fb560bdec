import {
  GenServer,
  NoCurrentProcessError,
  awaitExit,
  currentPid,
  ok,
  reply,
  self,
  spawn,
  type Node,
  type Pid,
} from '@erlmcp/otp';
import { startNode } from './helpers';

/**
 * currentPid() and self() know the calling process only during a callback's
 * synchronous part (carrying it across awaits with AsyncLocalStorage costs 1.5-2x
 * per message on Node 20; see the README). After an await they must say "no
 * process", never a wrong one, and ctx.self stays right.
 */
let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

const later = () => new Promise<void>((resolve) => setImmediate(resolve));
const selfOrError = (): Pid | 'no_process' => {
  try {
    return self();
  } catch (error) {
    if (error instanceof NoCurrentProcessError) return 'no_process';
    throw error;
  }
};

describe('currentPid() and awaits', () => {
  test('is undefined outside any process, before and after processes have run', async () => {
    expect(currentPid()).toBeUndefined();
    const pid = spawn(async (ctx) => {
      await ctx.receive();
    });
    await later();
    expect(currentPid()).toBeUndefined();
    node.send(pid, 'go');
    await awaitExit(pid);
    expect(currentPid()).toBeUndefined();
  });

  test('in a process body: the process before the first await, no process after it; ctx.self throughout', async () => {
    const seen: Array<[Pid | undefined, Pid | 'no_process', Pid]> = [];
    const pid = spawn(async (ctx) => {
      seen.push([currentPid(), selfOrError(), ctx.self]);
      await later();
      seen.push([currentPid(), selfOrError(), ctx.self]);
      await ctx.receive();
      seen.push([currentPid(), selfOrError(), ctx.self]);
    });
    await later();
    node.send(pid, 'go');
    await awaitExit(pid);
    expect(seen).toHaveLength(3);
    expect(seen[0][0]?.equals(pid)).toBe(true);
    expect((seen[0][1] as Pid).equals(pid)).toBe(true);
    for (const [current, me] of seen.slice(1)) {
      expect(current).toBeUndefined();
      expect(me).toBe('no_process');
    }
    for (const [, , ctxSelf] of seen) expect(ctxSelf.equals(pid)).toBe(true);
  });

  test('in an async handleCall: the server before the await, no process after it', async () => {
    const server = GenServer.define({
      init: () => ok(null),
      handleCall: async (_req: 'who', _from, s: null, ctx) => {
        const before = currentPid();
        await later();
        return reply({ before, after: currentPid(), ctxSelf: ctx.self }, s);
      },
    });
    const pid = await GenServer.start(server, null);
    const { before, after, ctxSelf } = await GenServer.call(pid, 'who');
    expect(before?.equals(pid)).toBe(true);
    expect(after).toBeUndefined();
    expect(ctxSelf.equals(pid)).toBe(true);
  });

  test('two interleaved processes never see each other: themselves in each synchronous part, no process after awaits', async () => {
    const rounds = 20;
    const wrong: string[] = [];
    const body = async (ctx: { self: Pid }) => {
      for (let i = 0; i < rounds; i++) {
        await (i % 2 === 0 ? later() : Promise.resolve());
        const current = currentPid();
        if (current !== undefined) wrong.push(`${ctx.self} saw ${String(current)} after await ${i}`);
      }
    };
    const firstSeen: Array<[Pid | undefined, Pid]> = [];
    const a = spawn((ctx) => (firstSeen.push([currentPid(), ctx.self]), body(ctx)));
    const b = spawn((ctx) => (firstSeen.push([currentPid(), ctx.self]), body(ctx)));
    await Promise.all([awaitExit(a), awaitExit(b)]);
    expect(wrong).toEqual([]);
    expect(firstSeen).toHaveLength(2);
    for (const [current, me] of firstSeen) expect(current?.equals(me)).toBe(true);
    expect(currentPid()).toBeUndefined();
  });
});
