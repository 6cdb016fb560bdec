import {
  BadArgError,
  GenServer,
  Node,
  cancelTimer,
  cancelTimerAsync,
  sendAfter,
  type Pid,
  type Ref,
} from '@erlmcp/otp';
import { collector } from '../../../test-support/collector';

/** Timers are set on the scheduler that calls sendAfter; these tests cancel them from another one. */
const fixture = require.resolve('./fixtures/remote.js');
type TimerRequest = { op: 'set'; ms: number; to: Pid; msg: unknown } | { op: 'cancel' | 'cancelAsync'; ref: Ref };
const timers = GenServer.remote<never>(fixture, 'timers');
/** A call to the plain-JS fixture, typed by the test. */
const ask = <T>(owner: Pid, req: TimerRequest): Promise<T> => GenServer.call(owner, req as never) as Promise<T>;

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterEach(() => node.stop());

// Long enough never to fire while a test runs: the tests wait for messages, never for time.
const LONG = 3_600_000;

describe('cancelTimer across schedulers', () => {
  test('cancelTimerAsync cancels a timer set on another scheduler and answers the time that was left', async () => {
    const c = collector();
    const owner = await GenServer.start(timers, undefined, { scheduler: 1 });
    const ref = await ask<Ref>(owner, { op: 'set', ms: LONG, to: c.pid, msg: 'late' });
    const left = await cancelTimerAsync(ref);
    expect(typeof left).toBe('number');
    expect(left as number).toBeGreaterThan(0);
    expect(left as number).toBeLessThanOrEqual(LONG);
    // The owning scheduler no longer holds it.
    expect(await ask<number | false>(owner, { op: 'cancel', ref })).toBe(false);
    expect(await cancelTimerAsync(ref)).toBe(false);
  });

  test('cancelTimer on a timer of another scheduler returns false ("not known here") and still cancels it there', async () => {
    const c = collector();
    const owner = await GenServer.start(timers, undefined, { scheduler: 1 });
    const ref = await ask<Ref>(owner, { op: 'set', ms: LONG, to: c.pid, msg: 'late' });
    expect(cancelTimer(ref)).toBe(false);
    // Records to one scheduler keep their order: the cancel is applied before this call is handled.
    expect(await ask<number | false>(owner, { op: 'cancel', ref })).toBe(false);
  });

  test('a timer that already fired cancels as false from another scheduler', async () => {
    const c = collector();
    const owner = await GenServer.start(timers, undefined, { scheduler: 1 });
    const ref = await ask<Ref>(owner, { op: 'set', ms: 0, to: c.pid, msg: 'fired' });
    expect(await c.next((m) => m === 'fired')).toBe('fired');
    expect(await cancelTimerAsync(ref)).toBe(false);
  });

  test('a process on a worker scheduler cancels a timer set on the main scheduler', async () => {
    const c = collector();
    const ref = sendAfter(LONG, c.pid, 'late');
    const owner = await GenServer.start(timers, undefined, { scheduler: 1 });
    const left = await ask<number | false>(owner, { op: 'cancelAsync', ref });
    expect(typeof left).toBe('number');
    expect(cancelTimer(ref)).toBe(false);
  });

  test('a value that is not a ref is a typed error', () => {
    expect(() => cancelTimer('nope' as unknown as Ref)).toThrow(BadArgError);
    expect(() => cancelTimerAsync(undefined as unknown as Ref)).toThrow(BadArgError);
  });
});
