import type { IncomingMessage } from 'node:http';
import { Node } from '@erlmcp/otp';
import { createStreamableHttpHandler } from '../src/server';
import { listenHttp, SessionHost } from '../src/hosting';
import { BodyDeadlines } from '../src/transport/http/body-deadlines';
import { eventually } from './helpers/backpressure';
import { fixtureDefinition } from './helpers/fixture';

/** Timers `run` arms, counted while it runs and for 20 ms after (long enough for a 1 ms one to fire). */
async function timersArmedBy(run: () => void): Promise<number> {
  const spy = jest.spyOn(globalThis, 'setTimeout');
  try {
    run();
    let wake: () => void = () => undefined;
    const waited = new Promise<void>((resolve) => (wake = resolve));
    setTimeout(() => wake(), 20);
    await waited;
    // Ours is the one call whose delay is 20 and whose callback wakes us.
    return spy.mock.calls.length - 1;
  } finally {
    spy.mockRestore();
  }
}

describe('bodyTimeoutMs: values a timer cannot hold, and nonsense', () => {
  it('a deadline past what setTimeout can hold arms one timer, not a 1 ms poll, and does not fire early', async () => {
    for (const timeoutMs of [2 ** 31, 2 ** 40]) {
      const deadlines = new BodyDeadlines(timeoutMs);
      const expired: Error[] = [];
      // node turns a delay over 2^31 - 1 ms into 1 ms (with a TimeoutOverflowWarning); a sweep
      // that finds the deadline still ahead would arm it again, every millisecond.
      const armed = await timersArmedBy(() => deadlines.watch({} as IncomingMessage, (error) => expired.push(error)));
      deadlines.dispose();
      expect(armed).toBe(1);
      expect(expired).toEqual([]);
    }
  });

  it('Infinity turns the limit off, like 0; a negative or NaN limit is a RangeError', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const host = await new SessionHost(fixtureDefinition()).start();
    try {
      const handler = createStreamableHttpHandler(host, { bodyTimeoutMs: Infinity });
      handler.dispose();
      for (const bad of [-1, Number.NaN])
        expect(() => createStreamableHttpHandler(host, { bodyTimeoutMs: bad })).toThrow(RangeError);
      // Refused before listenHttp starts a host of its own.
      await expect(listenHttp(fixtureDefinition(), { bodyTimeoutMs: -1 })).rejects.toThrow(RangeError);
    } finally {
      await host.stop();
      await node.stop();
    }
  });

  it('a wall clock set back does not postpone a deadline (nor would one set forward bring it early)', async () => {
    const spy = jest.spyOn(globalThis, 'setTimeout');
    const realNow = Date.now.bind(Date);
    try {
      const deadlines = new BodyDeadlines(20);
      const expired: Error[] = [];
      deadlines.watch({} as IncomingMessage, (error) => expired.push(error));
      // NTP steps the clock an hour back just after the body started.
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
      // The deadline's timer fires after 20 ms of real time: it either expires the body or,
      // reading the wall clock, finds it an hour ahead and arms again.
      const armedForAnHour = (): boolean => spy.mock.calls.some(([, delay]) => (delay ?? 0) > 60_000);
      await eventually(() => expired.length > 0 || armedForAnHour());
      deadlines.dispose();
      expect(expired).toHaveLength(1);
    } finally {
      jest.restoreAllMocks();
    }
  });
});
