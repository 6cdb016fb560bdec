/** How many tiles the AttentionServer puts in one message to a worker. */
import fc from 'fast-check';
import { MAX_TASKS_PER_MESSAGE, tasksPerMessage } from '../src/server';

describe('tasksPerMessage', () => {
  it('sends a large request in full messages, a decode step one tile at a time', () => {
    expect(tasksPerMessage(512, 2)).toBe(MAX_TASKS_PER_MESSAGE);
    expect(tasksPerMessage(8, 2)).toBe(1);
    expect(tasksPerMessage(1, 4)).toBe(1);
  });

  it('is between 1 and the cap, and leaves every worker several messages while it batches', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 64 }), (remaining, workers) => {
        const n = tasksPerMessage(remaining, workers);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(MAX_TASKS_PER_MESSAGE);
        // Batching (n > 1) only while at least 4 messages of that size remain per worker.
        if (n > 1) expect(n * workers * 4).toBeLessThanOrEqual(remaining);
      }),
    );
  });

  it('shrinks as a request runs out, so the last tiles spread over the workers', () => {
    const sizes: number[] = [];
    for (let remaining = 512; remaining > 0; remaining -= tasksPerMessage(remaining, 2))
      sizes.push(tasksPerMessage(remaining, 2));
    expect(sizes[0]).toBe(MAX_TASKS_PER_MESSAGE);
    expect(sizes[sizes.length - 1]).toBe(1);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1]!);
  });
});
