import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { BodyDeadlines, type BodyWatch } from '../src/transport/http/body-deadlines';

/** Resolves once `done()` holds, checking every few ms; gives up (and fails) after 10 s. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 10_000) throw new Error('condition not reached in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('BodyDeadlines: the deadline list', () => {
  it('expires exactly the bodies still watched, each once, whatever was unwatched in between', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant<'watch'>('watch'), fc.nat({ max: 40 })), { maxLength: 60 }),
        async (ops) => {
          const deadlines = new BodyDeadlines(1);
          const watches: BodyWatch[] = [];
          const expired: number[] = [];
          const live = new Set<number>();
          for (const op of ops) {
            if (op === 'watch') {
              const index = watches.length;
              watches.push(deadlines.watch({ index } as unknown as IncomingMessage, () => expired.push(index)));
              live.add(index);
            } else if (watches.length > 0) {
              // Unwatching twice, or after expiry, is harmless.
              const index = op % watches.length;
              deadlines.unwatch(watches[index]);
              live.delete(index);
            }
          }
          deadlines.unwatch(undefined);
          await until(() => expired.length >= live.size);
          // A last sweep would have found the rest by now; give a stray one the chance to show.
          await new Promise((resolve) => setTimeout(resolve, 5));
          deadlines.dispose();
          expect(expired.sort((a, b) => a - b)).toEqual([...live].sort((a, b) => a - b));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an expire callback that throws destroys that request and the sweep goes on', async () => {
    const deadlines = new BodyDeadlines(1);
    const destroyed: number[] = [];
    const expired: number[] = [];
    const req = (index: number) => ({ destroy: () => destroyed.push(index) }) as unknown as IncomingMessage;
    deadlines.watch(req(0), () => {
      throw new Error('answer failed');
    });
    deadlines.watch(req(1), () => expired.push(1));
    await until(() => expired.length === 1);
    deadlines.dispose();
    expect(destroyed).toEqual([0]);
  });

  it('dispose stops the timer: bodies still watched are not cut off', async () => {
    const deadlines = new BodyDeadlines(1);
    const expired: number[] = [];
    deadlines.watch({} as IncomingMessage, () => expired.push(0));
    deadlines.dispose();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(expired).toEqual([]);
  });
});
