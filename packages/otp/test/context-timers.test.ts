import {
  BadArgError,
  GenServer,
  awaitExit,
  cancelTimer,
  noreply,
  ok,
  reply,
  spawn,
  type Node,
  type ProcessContext,
  type Ref,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

describe('ctx.cancelTimer', () => {
  test('before the timer fires: returns the ms left, like cancelTimer, and the message never arrives', async () => {
    const got: unknown[] = [];
    let left: number | false | undefined;
    let elapsed = 0;
    const pid = spawn(async (ctx) => {
      const before = performance.now();
      const ref = ctx.sendAfter(30, 'cancelled');
      left = ctx.cancelTimer(ref);
      elapsed = performance.now() - before;
      // A later timer: had the cancelled one still been set, its message would come first.
      ctx.sendAfter(60, 'after');
      got.push(await ctx.receive());
      expect(ctx.cancelTimer(ref)).toBe(false);
    });
    await awaitExit(pid);
    expect(typeof left).toBe('number');
    // The time left as measured by the clock around it (rounded as cancelTimer rounds), not a guess.
    expect(left as number).toBeGreaterThanOrEqual(Math.max(0, 30 - elapsed - 1));
    expect(left as number).toBeLessThanOrEqual(30);
    expect(got).toEqual(['after']);
  });

  test('after the timer fired: returns false, as the module function does', async () => {
    const answers: Array<number | false> = [];
    const pid = spawn(async (ctx) => {
      const ref = ctx.sendAfter(0, 'tick');
      expect(await ctx.receive()).toBe('tick');
      answers.push(ctx.cancelTimer(ref), cancelTimer(ref), await ctx.cancelTimerAsync(ref));
    });
    await awaitExit(pid);
    expect(answers).toEqual([false, false, false]);
  });

  test('cancelTimerAsync before the timer fires resolves with the ms left, and the message never arrives', async () => {
    const got: unknown[] = [];
    let left: number | false | undefined;
    const pid = spawn(async (ctx) => {
      const ref = ctx.sendAfter(30, 'cancelled');
      left = await ctx.cancelTimerAsync(ref);
      ctx.sendAfter(60, 'after');
      got.push(await ctx.receive());
    });
    await awaitExit(pid);
    expect(typeof left).toBe('number');
    expect(got).toEqual(['after']);
  });

  test('a GenServer cancels its own timer from its callbacks', async () => {
    type State = { ref: Ref | null; seen: string[] };
    const hour = 3_600_000;
    const before = performance.now();
    const server = GenServer.define({
      init: (_: null, ctx: ProcessContext) => ok<State>({ ref: ctx.sendAfter(hour, 'late'), seen: [] }),
      handleCall: (req: 'cancel' | 'seen', _from, s: State, ctx) =>
        req === 'cancel'
          ? reply<State, unknown>(ctx.cancelTimer(s.ref!), { ...s, ref: null })
          : reply<State, unknown>(s.seen, s),
      handleInfo: (msg, s: State) => noreply({ ...s, seen: [...s.seen, String(msg)] }),
    });
    const pid = await GenServer.start(server, null);
    const left = await GenServer.call(pid, 'cancel');
    const elapsed = performance.now() - before;
    expect(typeof left).toBe('number');
    expect(left as number).toBeGreaterThanOrEqual(hour - elapsed - 1);
    expect(left as number).toBeLessThanOrEqual(hour);
    expect(await GenServer.call(pid, 'seen')).toEqual([]);
  });

  test('a non-ref argument is a BadArgError', async () => {
    const errors: unknown[] = [];
    const pid = spawn((ctx) => {
      for (const bad of [42, 'ref', null, {}]) {
        try {
          ctx.cancelTimer(bad as unknown as Ref);
        } catch (error) {
          errors.push(error);
        }
      }
    });
    await awaitExit(pid);
    expect(errors).toHaveLength(4);
    for (const e of errors) expect(e).toBeInstanceOf(BadArgError);
  });
});
