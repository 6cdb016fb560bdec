import {
  ExitMessage,
  GenServer,
  Supervisor,
  awaitExit,
  cancelTimer,
  isProcessAlive,
  noreply,
  ok,
  send,
  sendAfter,
  spawn,
  spawnLink,
  type Node,
  type Pid,
  type ProcessContext,
} from '@erlmcp/otp';
import { startNode } from './helpers';

// setTimeout holds a signed 32-bit delay; Node fires anything longer after 1 ms.
// Erlang's timers go further (send_after up to 2^32-1 ms), so these must not fire early.
const BEYOND_SET_TIMEOUT = 2 ** 31;

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

/** Resolves once a 20 ms timer has fired: any timer wrongly cut to 1 ms, armed before it, has fired by then. */
async function afterShortTimer(): Promise<void> {
  const pid = spawn(async (ctx) => void (await ctx.receive()));
  sendAfter(20, pid, 'go');
  await awaitExit(pid);
}

describe('timers longer than setTimeout can hold', () => {
  test('sendAfter does not fire early, and cancelTimer finds it still pending', async () => {
    let first!: (message: unknown) => void;
    const received = new Promise<unknown>((resolve) => (first = resolve));
    const pid = spawn(async (ctx) => {
      first(await ctx.receive());
      await ctx.receive((m) => m === 'stop'); // stays alive: a timer for a dead pid is cancelled
    });
    const ref = sendAfter(BEYOND_SET_TIMEOUT, pid, 'late');
    sendAfter(20, pid, 'soon');
    expect(await received).toBe('soon');
    expect(cancelTimer(ref)).toBeGreaterThan(2 ** 31 - 60_000);
    send(pid, 'stop');
    await awaitExit(pid);
  });

  test('receive with such a timeout keeps waiting', async () => {
    const got: unknown[] = [];
    const pid = spawn(async (ctx) => void got.push(await ctx.receive(undefined, BEYOND_SET_TIMEOUT)));
    sendAfter(20, pid, 'soon');
    await awaitExit(pid);
    expect(got).toEqual(['soon']);
  });

  test("a GenServer's inactivity timeout does not fire early", async () => {
    const got: unknown[] = [];
    const def = GenServer.define({
      init: () => ok(null, BEYOND_SET_TIMEOUT),
      handleInfo: (message: unknown, state: null) => {
        got.push(message);
        return noreply(state);
      },
    });
    await GenServer.start(def, undefined);
    await afterShortTimer();
    expect(got).toEqual([]);
  });

  test('a child with such a shutdown timeout is waited for, not killed after 1 ms', async () => {
    let child: Pid | undefined;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const sup = await Supervisor.start({
      children: [
        {
          id: 'slow',
          shutdown: BEYOND_SET_TIMEOUT,
          start: () =>
            (child = spawnLink(async (ctx: ProcessContext) => {
              ctx.trapExit(true);
              await ctx.receive((m) => m instanceof ExitMessage);
              await released;
              ctx.exit('shutdown');
            })),
        },
      ],
    });
    const exited = awaitExit(child!);
    const terminated = Supervisor.terminateChild(sup, 'slow');
    await afterShortTimer();
    expect(isProcessAlive(child!)).toBe(true);
    release();
    expect(await exited).toBe('shutdown');
    await terminated;
  });

  test('a call with such a timeout arms one timer, not one every millisecond', async () => {
    const def = GenServer.define({
      init: () => ok(null),
      handleCall: (_req: 'wait', _from, state: null) => noreply(state),
    });
    const server = await GenServer.start(def, undefined);
    const long: number[] = [];
    const spy = jest.spyOn(global, 'setTimeout');
    try {
      void GenServer.call(server, 'wait', BEYOND_SET_TIMEOUT).catch(() => undefined);
      await afterShortTimer();
      for (const [, ms] of spy.mock.calls) if (typeof ms === 'number' && ms >= 2 ** 31 - 1000) long.push(ms);
    } finally {
      spy.mockRestore();
    }
    expect(long).toHaveLength(1);
  });
});
