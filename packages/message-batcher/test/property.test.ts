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

interface PlainItem {
  id: number;
  fate: 'answer' | 'error' | 'poison';
  /** How it is added: plain (no options: no Entry), with a signal it may fire, or with flush. */
  how: 'plain' | 'signal' | 'flush';
  cancelAfter: number;
}

const plainItemArb = fc.record({
  fate: fc.constantFrom<PlainItem['fate']>('answer', 'answer', 'answer', 'error', 'poison'),
  how: fc.constantFrom<PlainItem['how']>('plain', 'plain', 'signal', 'flush'),
  cancelAfter: fc.integer({ min: -1, max: 3 }),
});

// A batcher without groups or size caps keeps a plain item in columns (no Entry) and gives the
// others an Entry: both kinds share chunks and batches, answered by array or by Map.
test('without groups, plain items and items with a signal or flush share batches: each settles once, with its own answer', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(plainItemArb, fc.boolean()), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 7 }),
      fc.constantFrom(1, 2, Infinity),
      fc.constantFrom<'array' | 'map' | 'async-map'>('array', 'map', 'async-map'),
      async (script, maxItems, maxInFlight, shape) => {
        const node = Node.start({ schedulers: 1, logLevel: 'silent' });
        try {
          const batcher = Batcher.create<PlainItem, string>({
            maxItems,
            maxInFlight,
            maxDelayMs: 0,
            idOf: (item) => item.id,
            sink: (items) => {
              if (items.some((i) => i.fate === 'poison')) throw new Error('poisoned batch');
              const answer = (i: PlainItem) => (i.fate === 'error' ? new Error(`item ${i.id}`) : `answer ${i.id}`);
              if (shape === 'array') return items.map(answer);
              const map = new Map(items.map((i) => [i.id, answer(i)]));
              return shape === 'map' ? map : Promise.resolve(map);
            },
          });
          await batcher.start();
          const settled = new Map<number, number>();
          const checks: Promise<void>[] = [];
          let id = 0;
          for (const [shape, yieldAfter] of script) {
            const item: PlainItem = { ...shape, id: id++ };
            const controller = new AbortController();
            const promise =
              item.how === 'plain'
                ? batcher.add(item)
                : batcher.add(item, item.how === 'flush' ? { flush: true } : { signal: controller.signal });
            if (item.how === 'signal' && item.cancelAfter >= 0)
              void turns(item.cancelAfter).then(() => controller.abort(`cancelled ${item.id}`));
            checks.push(
              promise.then(
                (value) => {
                  settled.set(item.id, (settled.get(item.id) ?? 0) + 1);
                  expect(value).toBe(`answer ${item.id}`);
                  expect(item.fate).toBe('answer');
                },
                (error: unknown) => {
                  settled.set(item.id, (settled.get(item.id) ?? 0) + 1);
                  if (error === `cancelled ${item.id}`) return expect(item.how).toBe('signal');
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

// Every item's promise leaves its settle functions in the chunk of the batcher it was added to
// (entry.ts: one executor for all promises, told the chunk per add). Batchers whose adds
// interleave in one synchronous run, with other promises made between, must not swap them.
test("batchers whose adds interleave each give every caller its own batcher's answer, once", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 7 }),
      async (script, maxItems) => {
        const node = Node.start({ schedulers: 1, logLevel: 'silent' });
        try {
          const batchers = [0, 1, 2].map((b) =>
            Batcher.create<number, string>({
              name: `interleaved_${b}`,
              maxItems,
              maxDelayMs: 0,
              sink: async (items) => items.map((i) => `${b}:${i}`),
            }),
          );
          for (const batcher of batchers) await batcher.start();
          const settled = new Map<number, number>();
          const checks: Promise<void>[] = [];
          let id = 0;
          for (const [b, otherPromise, yieldAfter] of script) {
            const item = id++;
            const promise = batchers[b]!.add(item);
            // A promise made by someone else between two adds uses its own executor.
            if (otherPromise) void new Promise<void>((resolve) => resolve());
            checks.push(
              promise.then((value) => {
                settled.set(item, (settled.get(item) ?? 0) + 1);
                expect(value).toBe(`${b}:${item}`);
              }),
            );
            if (yieldAfter) await turns(1);
          }
          for (const batcher of batchers) await batcher.flush();
          await Promise.all(checks);
          await turns(3);
          expect(settled.size).toBe(id);
          for (const count of settled.values()) expect(count).toBe(1);
          for (const batcher of batchers) await batcher.stop();
        } finally {
          await node.stop();
        }
      },
    ),
    { numRuns: 60 },
  );
});
