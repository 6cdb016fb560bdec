import { operationRequest } from './protocol';
import type { VuSession } from './session';
import type { Tally } from './tally';

/** One tools/call on every session, `concurrency` at a time, each answer checked; how many answered right. */
export async function callEach(sessions: readonly VuSession[], tally: Tally, concurrency = 256): Promise<number> {
  const before = tally.counts.ok;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, sessions.length) }, async () => {
      while (next < sessions.length) {
        const session = sessions[next++]!;
        const request = operationRequest('call', 1, session.vu);
        tally.counts.sent += 1;
        const t0 = performance.now();
        try {
          const wrong = request.check(await session.send(request));
          if (wrong === undefined) tally.ok('call', (performance.now() - t0) * 1000);
          else tally.fail('mismatch', wrong);
        } catch (error) {
          tally.fail('transport', (error as Error).message);
        }
      }
    }),
  );
  return tally.counts.ok - before;
}
