/**
 * The statem's fast path (Machine.handle): a mailbox event with nothing queued before it and a
 * keepState result with no action or one reply is applied without the general loop. These
 * check that it behaves as the general path does, and that everything else still takes it.
 */
import { GenStatem, Node, sys, type EventResult, type From, type StatemEvent } from '@erlmcp/otp';
import { startNode } from './helpers';
import { ManualClock } from './statem-clock';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

type Req = 'count' | 'hold' | 'release' | { timeoutMs: number } | 'literal' | 'async';
type Data = { n: number; held: From[]; timeouts: number };
type Result = EventResult<'ready', Data, unknown>;

/** A counter: every call counts; what the reply looks like depends on the request. */
const counter = (clock: ManualClock) =>
  GenStatem.define({
    callbackMode: 'state_functions',
    timers: clock,
    init: () => GenStatem.ok<'ready', Data>('ready', { n: 0, held: [], timeouts: 0 }),
    states: {
      ready(event: StatemEvent<Req, never, never>, data: Data): Result | Promise<Result> {
        if (event.type === 'timeout') return GenStatem.keepState({ ...data, timeouts: data.timeouts + 1 });
        if (event.type !== 'call') return GenStatem.keepStateAndData();
        const n = data.n + 1;
        const req = event.request;
        if (req === 'count') return GenStatem.keepState({ ...data, n }, [GenStatem.reply(event.from, n)]);
        if (req === 'hold') return GenStatem.keepState({ ...data, n, held: [...data.held, event.from] });
        if (req === 'release')
          // Two replies and more: the general path, in order.
          return GenStatem.keepState<Data, unknown>({ ...data, n, held: [] }, [
            ...data.held.map((from) => GenStatem.reply<unknown>(from, 'released')),
            GenStatem.reply<unknown>(event.from, data.held.length),
          ]);
        if (req === 'literal')
          // A result from plain JavaScript: literals, not the builders' classes.
          return {
            kind: 'keep_state',
            data: { ...data, n },
            keepData: false,
            actions: [{ type: 'reply', from: event.from, reply: `literal ${n}` }],
          } as const;
        if (req === 'async')
          return Promise.resolve(GenStatem.keepState({ ...data, n }, [GenStatem.reply(event.from, -n)]));
        return GenStatem.keepState({ ...data, n }, [
          GenStatem.reply(event.from, 'armed'),
          GenStatem.eventTimeout(req.timeoutMs),
        ]);
      },
    },
  });

describe('GenStatem fast path', () => {
  it('replies and keeps the new data, call after call', async () => {
    const pid = await GenStatem.start(counter(new ManualClock()), undefined);
    const replies: unknown[] = [];
    for (let i = 0; i < 50; i++) replies.push(await GenStatem.call(pid, 'count'));
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('keeps a from without replying, and answers several in one result, in order', async () => {
    const pid = await GenStatem.start(counter(new ManualClock()), undefined);
    const first = GenStatem.call(pid, 'hold');
    const second = GenStatem.call(pid, 'hold');
    const order: string[] = [];
    void first.then(() => order.push('first'));
    void second.then(() => order.push('second'));
    expect(await GenStatem.call(pid, 'release')).toBe(2);
    expect(await first).toBe('released');
    expect(await second).toBe('released');
    expect(order).toEqual(['first', 'second']);
    expect(await GenStatem.call(pid, 'count')).toBe(4);
  });

  it('takes literal results and reply actions, and async handlers', async () => {
    const pid = await GenStatem.start(counter(new ManualClock()), undefined);
    expect(await GenStatem.call(pid, 'literal')).toBe('literal 1');
    expect(await GenStatem.call(pid, 'async')).toBe(-2);
    expect(await GenStatem.call(pid, 'count')).toBe(3);
  });

  it('a reply with an event timeout starts it, and the next event cancels it', async () => {
    const clock = new ManualClock();
    const pid = await GenStatem.start(counter(clock), undefined);
    expect(await GenStatem.call(pid, { timeoutMs: 100 })).toBe('armed');
    expect(clock.armed).toBe(1);
    expect(await GenStatem.call(pid, 'count')).toBe(2); // the fast path, which cancels it
    expect(clock.armed).toBe(0);
    clock.advance(1_000);
    expect(await GenStatem.call(pid, { timeoutMs: 50 })).toBe('armed');
    clock.advance(50);
    expect(await GenStatem.call(pid, 'count')).toBe(4);
    const { data } = await sys.getState<{ data: { timeouts: number } }>(pid);
    expect(data.timeouts).toBe(1);
  });

  it('an event queued by the previous one runs before the next call', async () => {
    const log: string[] = [];
    const def = GenStatem.define({
      callbackMode: 'handle_event_function',
      init: () => GenStatem.ok('s', 0),
      handleEvent(event: StatemEvent<string, never, never>, _state: string, n: number) {
        if (event.type === 'internal') {
          log.push(`internal ${String(event.message)}`);
          return GenStatem.keepState(n + 1);
        }
        if (event.type !== 'call') return GenStatem.keepStateAndData();
        log.push(`call ${event.request}`);
        return GenStatem.keepState(n + 1, [
          GenStatem.reply(event.from, n),
          GenStatem.nextEvent('internal', event.request),
        ]);
      },
    });
    const pid = await GenStatem.start(def, undefined);
    expect(await GenStatem.call(pid, 'a')).toBe(0);
    expect(await GenStatem.call(pid, 'b')).toBe(2);
    expect(log).toEqual(['call a', 'internal a', 'call b', 'internal b']);
  });

  it("the builders' results and actions compare equal to the literals they stand for", () => {
    const from = {} as From;
    expect(GenStatem.keepState(1)).toEqual({ kind: 'keep_state', data: 1, keepData: false, actions: [] });
    expect(GenStatem.keepStateAndData()).toEqual({ kind: 'keep_state', keepData: true, actions: [] });
    expect(GenStatem.nextState('b', 2)).toEqual({ kind: 'next_state', state: 'b', data: 2, actions: [] });
    expect(GenStatem.reply(from, 'x')).toEqual({ type: 'reply', from, reply: 'x' });
    expect(GenStatem.postpone()).toEqual({ type: 'postpone' });
    expect(GenStatem.stopWith('normal')).toEqual({ kind: 'stop', reason: 'normal', keepData: true });
  });
});
