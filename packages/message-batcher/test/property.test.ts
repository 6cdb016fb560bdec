/**
 * Every promise settles exactly once, with its own item's outcome, whatever
 * mix of answers, per-item errors, sink failures, cancellations, flushes and
 * group keys a run throws at the batcher.
 */
import fc from 'fast-check';
import { Node } from '@erlmcp/otp';
import { Batcher, SinkFailedError } from '@erlmcp/message-batcher';
import { turns } from './helpers';

interface Item {
  id: number;
  group: number;
  /** What the sink does with it: answer, fail it alone, or fail its whole batch. */
  fate: 'answer' | 'error' | 'poison';
  cancelAfter: number | null;
}

const itemArb = fc.record({
  group: fc.integer({ min: 0, max: 2 }),
  fate: fc.constantFrom<Item['fate']>('answer', 'answer', 'answer', 'error', 'poison'),
  cancelAfter: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
});

test("no item is lost, answered twice or given another item's answer", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(itemArb, fc.boolean()), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 7 }),
      fc.constantFrom(1, 2, Infinity),
      fc.boolean(),
      async (script, maxItems, maxInFlight, asyncSink) => {
        const node = Node.start({ schedulers: 1, logLevel: 'silent' });
        try {
          const mixed: string[] = [];
          const batcher = Batcher.create<Item, string>({
            maxItems,
            maxInFlight,
            maxDelayMs: 0,
            groupBy: (item) => item.group,
            sink: (items) => {
              if (new Set(items.map((i) => i.group)).size > 1) mixed.push(items.map((i) => i.id).join(','));
              if (items.some((i) => i.fate === 'poison')) throw new Error('poisoned batch');
              const answer = items.map((i) => (i.fate === 'error' ? new Error(`item ${i.id}`) : `answer ${i.id}`));
              return asyncSink ? Promise.resolve(answer) : answer;
            },
          });
          await batcher.start();
          const settled = new Map<number, number>();
          const checks: Promise<void>[] = [];
          let id = 0;
          for (const [shape, yieldAfter] of script) {
            const item: Item = { ...shape, id: id++ };
            const controller = new AbortController();
            const promise = batcher.add(item, item.cancelAfter === null ? undefined : { signal: controller.signal });
            if (item.cancelAfter !== null) {
              const after = item.cancelAfter;
              void turns(after).then(() => controller.abort(`cancelled ${item.id}`));
            }
            checks.push(
              promise.then(
                (value) => {
                  settled.set(item.id, (settled.get(item.id) ?? 0) + 1);
                  expect(value).toBe(`answer ${item.id}`);
                  expect(item.fate).toBe('answer');
                },
                (error: unknown) => {
                  settled.set(item.id, (settled.get(item.id) ?? 0) + 1);
                  if (error === `cancelled ${item.id}`) return;
                  if (error instanceof SinkFailedError)
                    return expect((error.cause as Error).message).toBe('poisoned batch');
                  expect(item.fate).toBe('error');
                  expect((error as Error).message).toBe(`item ${item.id}`);
                },
              ),
            );
            if (yieldAfter) await turns(1);
          }
          await batcher.flush();
          await Promise.all(checks);
          await turns(5);
          expect(mixed).toEqual([]);
          expect(settled.size).toBe(id);
          for (const count of settled.values()) expect(count).toBe(1);
          await batcher.stop();
        } finally {
          await node.stop();
        }
      },
    ),
    { numRuns: 60 },
  );
});
