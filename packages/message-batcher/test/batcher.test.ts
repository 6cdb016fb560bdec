import { Node, Supervisor, awaitExit, exit, type Pid } from '@erlmcp/otp';
import {
  Batcher,
  BatcherExitedError,
  BatcherNotRunningError,
  BatcherOverloadError,
  BatcherStoppedError,
  ItemTooLargeError,
  ManualClock,
  SinkFailedError,
  SinkResultError,
  SinkTimeoutError,
  type BatchEvent,
} from '@erlmcp/message-batcher';
import { eventually, gate, outcome, recording, turns } from './helpers';

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
});
afterEach(() => node.stop());

const double = (items: number[]) => items.map((n) => n * 2);

describe('windows', () => {
  test('a full batch leaves at maxItems; the rest leaves when its window closes', async () => {
    const { batcher, batches, clock } = await recording(double, { maxItems: 3, maxDelayMs: 10 });
    const results = [1, 2, 3, 4, 5].map((n) => batcher.add(n));
    await turns();
    expect(batches).toEqual([[1, 2, 3]]);
    clock.advance(9);
    await turns();
    expect(batches).toHaveLength(1);
    clock.advance(1);
    await turns();
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(await Promise.all(results)).toEqual([2, 4, 6, 8, 10]);
  });

  test('the window starts at the first item of a batch, not at the last', async () => {
    const { batcher, batches, clock } = await recording(double, { maxItems: 100, maxDelayMs: 10 });
    const a = batcher.add(1);
    await turns();
    clock.advance(6);
    const b = batcher.add(2);
    await turns();
    clock.advance(4);
    await turns();
    expect(batches).toEqual([[1, 2]]);
    expect(await Promise.all([a, b])).toEqual([2, 4]);
    expect(batcher.efficiency().addedWaitMs.max).toBeCloseTo(10, 1);
  });

  test('count waits for a full batch; flush() sends a partial one and resolves once it settled', async () => {
    const { batcher, batches, clock } = await recording(double, { strategy: 'count', maxItems: 4 });
    const results = [1, 2, 3].map((n) => batcher.add(n));
    await turns();
    clock.advance(1000);
    await turns();
    expect(batches).toEqual([]);
    await batcher.flush();
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await Promise.all(results)).toEqual([2, 4, 6]);
  });

  test('an item added with { flush: true } takes its batch out at once, with the items before it', async () => {
    const { batcher, batches, clock } = await recording(double, { strategy: 'count', maxItems: 100 });
    const held = [1, 2].map((n) => batcher.add(n));
    await turns();
    const urgent = batcher.add(3, { flush: true });
    const after = batcher.add(4);
    await turns();
    // No window ever closes a count batch below its cap: only the flag sent this one.
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await Promise.all([...held, urgent])).toEqual([2, 4, 6]);
    clock.advance(1000);
    await turns();
    expect(batches).toHaveLength(1);
    await batcher.flush();
    expect(batches).toEqual([[1, 2, 3], [4]]);
    expect(await after).toBe(8);
  });

  test('maxDelayMs 0 batches what was added in one synchronous run', async () => {
    const batcher = Batcher.create({ sink: double, maxDelayMs: 0, maxItems: 1000 });
    await batcher.start();
    const first = Array.from({ length: 10 }, (_, i) => batcher.add(i));
    expect(await Promise.all(first)).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(batcher.efficiency()).toMatchObject({ batches: 1, items: 10, maxBatchSize: 10 });
  });

  test('groupBy: items of different groups never share a batch', async () => {
    const { batcher, batches } = await recording((items: string[]) => items.map((s) => s.toUpperCase()), {
      groupBy: (s) => s[0],
      maxItems: 10,
    });
    const results = ['a1', 'b1', 'a2', 'c1', 'b2'].map((s) => batcher.add(s));
    await batcher.flush();
    expect(batches.map((b) => b.join(',')).sort()).toEqual(['a1,a2', 'b1,b2', 'c1']);
    expect(await Promise.all(results)).toEqual(['A1', 'B1', 'A2', 'C1', 'B2']);
  });

  test('maxBytes splits batches by size; an item larger than a batch may be is refused', async () => {
    const { batcher, batches } = await recording((items: string[]) => items.map((s) => s.length), {
      maxBytes: 10,
      maxItems: 100,
    });
    const results = ['aaaa', 'bbbb', 'cccc', 'dd'].map((s) => batcher.add(s));
    const tooBig = outcome(batcher.add('x'.repeat(11)));
    await batcher.flush();
    expect(batches).toEqual([
      ['aaaa', 'bbbb'],
      ['cccc', 'dd'],
    ]);
    expect(await Promise.all(results)).toEqual([4, 4, 4, 2]);
    const refused = await tooBig;
    expect(refused.ok).toBe(false);
    expect((refused as { error: unknown }).error).toBeInstanceOf(ItemTooLargeError);
  });

  test('maxTokens counts tokens with gpt-tokenizer by default', async () => {
    const { batcher, batches } = await recording((items: string[]) => items.map(() => 1), {
      maxTokens: 6,
      maxItems: 100,
    });
    // "hello world" is 2 tokens in o200k_base.
    const results = Array.from({ length: 4 }, () => batcher.add('hello world'));
    await batcher.flush();
    await Promise.all(results);
    expect(batches.map((b) => b.length)).toEqual([3, 1]);
  });
});

describe('answers', () => {
  test('a Map by item id answers each item; an Error rejects only its own item', async () => {
    const batcher = Batcher.create<{ id: string; n: number }, number>({
      idOf: (item) => item.id,
      maxDelayMs: 0,
      sink: async (items) =>
        new Map(
          items.map((item) => [item.id, item.n < 0 ? new RangeError(`negative ${item.id}`) : item.n * 10] as const),
        ),
    });
    await batcher.start();
    const [a, b, c] = await Promise.all([
      outcome(batcher.add({ id: 'a', n: 1 })),
      outcome(batcher.add({ id: 'b', n: -1 })),
      outcome(batcher.add({ id: 'c', n: 3 })),
    ]);
    expect(a).toEqual({ ok: true, value: 10 });
    expect(c).toEqual({ ok: true, value: 30 });
    expect(b.ok).toBe(false);
    expect((b as { error: Error }).error).toBeInstanceOf(RangeError);
  });

  test('without idOf, a keyed answer uses ctx.ids (the position in the batch)', async () => {
    const batcher = Batcher.create<string, string>({
      maxDelayMs: 0,
      sink: (items, ctx) => Object.fromEntries(ctx.ids.map((id, i) => [String(id), `${items[i]}!`])),
    });
    await batcher.start();
    expect(await Promise.all(['x', 'y'].map((s) => batcher.add(s)))).toEqual(['x!', 'y!']);
  });

  test('a sink that throws or rejects fails its batch with SinkFailedError carrying the cause', async () => {
    const cause = new Error('backend down');
    for (const sink of [
      () => {
        throw cause;
      },
      async () => {
        throw cause;
      },
    ]) {
      const batcher = Batcher.create<number, number>({ sink, maxDelayMs: 0 });
      await batcher.start();
      const results = await Promise.all([1, 2].map((n) => outcome(batcher.add(n))));
      for (const r of results) {
        expect(r.ok).toBe(false);
        const error = (r as { error: SinkFailedError }).error;
        expect(error).toBeInstanceOf(SinkFailedError);
        expect(error.cause).toBe(cause);
      }
      // The batcher is still up.
      expect(batcher.pid).toBeDefined();
      await batcher.stop();
    }
  });

  test('a sink that takes longer than sinkTimeoutMs fails its batch and sees its signal aborted', async () => {
    const clock = new ManualClock();
    let signal: AbortSignal | undefined;
    const batcher = Batcher.create<number, number>({
      clock,
      maxDelayMs: 0,
      sinkTimeoutMs: 100,
      sink: (items, ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      },
    });
    await batcher.start();
    const result = outcome(batcher.add(1));
    await eventually(() => signal !== undefined);
    clock.advance(100);
    const r = await result;
    expect((r as { error: unknown }).error).toBeInstanceOf(SinkTimeoutError);
    expect(signal!.aborted).toBe(true);
  });

  test.each([
    ['too few results', () => [1], /returned 1 results for 2 items/],
    ['not an array or map', () => 42, /returned number: expected an array of 2 results or a Map/],
    ['unknown ids', () => new Map([[7, 'x']]), /no result for item id 0; it answered unknown ids 7/],
  ])('a sink answer with %s rejects with a SinkResultError saying so', async (_what, answer, message) => {
    const batcher = Batcher.create<number, unknown>({ sink: answer as () => never, maxDelayMs: 0 });
    await batcher.start();
    const [a, b] = await Promise.all([outcome(batcher.add(1)), outcome(batcher.add(2))]);
    expect(a.ok).toBe(false);
    expect(b.ok).toBe(false);
    expect((a as { error: Error }).error).toBeInstanceOf(SinkResultError);
    expect((a as { error: Error }).error.message).toMatch(message);
  });
});

describe('efficiency', () => {
  test('efficiency() counts batches and items, mean and max size, failed batches and the added wait per item', async () => {
    let calls = 0;
    const { batcher, clock } = await recording(
      (items: number[]) => {
        if (++calls === 3) throw new Error('third batch fails');
        return items;
      },
      { maxItems: 4, maxDelayMs: 10 },
    );
    // Batch 1: four items in one run, full at once (no wait).
    const first = [1, 2, 3, 4].map((n) => batcher.add(n));
    await turns();
    // Batch 2: two items, sent when the window closes 10 ms later.
    const second = [5, 6].map((n) => batcher.add(n));
    await turns();
    clock.advance(10);
    await turns();
    // Batch 3: one item, 10 ms again, and the sink throws.
    const third = outcome(batcher.add(7));
    await turns();
    clock.advance(10);
    await turns();
    expect(await Promise.all([...first, ...second])).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await third).ok).toBe(false);
    const e = batcher.efficiency();
    expect(e).toMatchObject({ batches: 3, items: 7, maxBatchSize: 4, failedBatches: 1 });
    expect(e.meanBatchSize).toBeCloseTo(7 / 3, 10);
    // Waits: 0 ms for four items, 10 ms for three: p50 is 0, p99 and max are 10, mean 30/7.
    expect(e.addedWaitMs.p50).toBe(0);
    expect(e.addedWaitMs.p99).toBeCloseTo(10, 1);
    expect(e.addedWaitMs.max).toBeCloseTo(10, 1);
    expect(e.addedWaitMs.mean).toBeCloseTo(30 / 7, 1);
    expect(e.tokens).toBeUndefined();
  });
});

describe('cancellation, overload, stop', () => {
  test('an item cancelled before dispatch leaves its batch and rejects with the signal reason', async () => {
    const { batcher, batches } = await recording(double, { maxItems: 10 });
    const controller = new AbortController();
    const kept = batcher.add(1);
    const cancelled = outcome(batcher.add(2, { signal: controller.signal }));
    await turns();
    controller.abort(new Error('caller gave up'));
    const r = await cancelled;
    expect((r as { error: Error }).error.message).toBe('caller gave up');
    await batcher.flush();
    expect(batches).toEqual([[1]]);
    expect(await kept).toBe(2);
  });

  test('an already aborted signal rejects at once; cancelling every item of a started batch aborts the sink signal', async () => {
    let sinkSignal: AbortSignal | undefined;
    const held = gate<number[]>();
    const batcher = Batcher.create<number, number>({
      maxDelayMs: 0,
      sink: (_items, ctx) => {
        sinkSignal = ctx.signal;
        return held.promise;
      },
    });
    await batcher.start();
    await expect(batcher.add(1, { signal: AbortSignal.abort('no') })).rejects.toBe('no');
    const controller = new AbortController();
    const r = outcome(batcher.add(2, { signal: controller.signal }));
    await eventually(() => sinkSignal !== undefined);
    controller.abort('bye');
    expect(await r).toEqual({ ok: false, error: 'bye' });
    await eventually(() => sinkSignal!.aborted);
    held.open([4]); // the late answer is dropped
    await batcher.stop();
  });

  test('past maxQueued, add rejects with BatcherOverloadError and the queue keeps its bound', async () => {
    const held = gate();
    const batcher = Batcher.create<number, number>({
      maxItems: 1,
      maxInFlight: 1,
      maxQueued: 3,
      maxDelayMs: 0,
      sink: async (items) => {
        await held.promise;
        return items;
      },
    });
    await batcher.start();
    const first = batcher.add(0); // at the sink
    await turns();
    const queued = [1, 2, 3].map((n) => batcher.add(n));
    const over = outcome(batcher.add(4));
    const r = await over;
    expect((r as { error: unknown }).error).toBeInstanceOf(BatcherOverloadError);
    held.open();
    expect(await Promise.all([first, ...queued])).toEqual([0, 1, 2, 3]);
  });

  test('stop() drains what is pending, then add rejects with BatcherStoppedError', async () => {
    const { batcher } = await recording(double, { maxItems: 100, maxDelayMs: 1000 });
    const results = [1, 2, 3].map((n) => batcher.add(n));
    await batcher.stop();
    expect(await Promise.all(results)).toEqual([2, 4, 6]);
    await expect(batcher.add(4)).rejects.toBeInstanceOf(BatcherStoppedError);
    expect(batcher.pid).toBeUndefined();
  });

  test('add before start rejects with BatcherNotRunningError', async () => {
    const batcher = Batcher.create({ sink: double });
    await expect(batcher.add(1)).rejects.toBeInstanceOf(BatcherNotRunningError);
  });
});

describe('supervision', () => {
  test('a crash fails the pending items with BatcherExitedError; the supervisor restarts the batcher', async () => {
    const held = gate();
    const batcher = Batcher.create<number, number>({
      maxDelayMs: 0,
      maxItems: 2,
      sink: async (items) => {
        await held.promise;
        return items;
      },
    });
    await batcher.start();
    const first = batcher.pid!;
    const atSink = [1, 2].map((n) => outcome(batcher.add(n)));
    await turns();
    const queued = outcome(batcher.add(3)); // still staged in this run
    exit(first, 'kill');
    for (const r of [...(await Promise.all(atSink)), await queued]) {
      expect(r.ok).toBe(false);
      expect((r as { error: unknown }).error).toBeInstanceOf(BatcherExitedError);
    }
    await eventually(() => batcher.pid !== undefined && !batcher.pid.equals(first));
    held.open();
    expect(await batcher.add(7)).toBe(7);
  });

  test('a chunk split over two batches is tracked until its last item settles: a crash after the first answered fails only the rest', async () => {
    const held = gate();
    let calls = 0;
    const batcher = Batcher.create<number, number>({
      maxDelayMs: 0,
      maxItems: 2,
      sink: async (items) => {
        if (++calls > 1) await held.promise;
        return items.map((n) => n * 10);
      },
    });
    await batcher.start();
    const first = batcher.pid!;
    // One synchronous run: one chunk, cut into two batches.
    const results = [1, 2, 3, 4].map((n) => outcome(batcher.add(n)));
    expect(await Promise.all(results.slice(0, 2))).toEqual([
      { ok: true, value: 10 },
      { ok: true, value: 20 },
    ]);
    expect(calls).toBe(2);
    exit(first, 'kill');
    for (const r of await Promise.all(results.slice(2))) {
      expect(r.ok).toBe(false);
      expect((r as { error: unknown }).error).toBeInstanceOf(BatcherExitedError);
    }
    held.open();
    expect(batcher.efficiency().items).toBe(2);
  });

  test('runs longer than maxItems, of changing sizes, with cancelled items across batch boundaries: each item gets its own answer once', async () => {
    const batches: number[][] = [];
    const batcher = Batcher.create<number, number>({
      maxDelayMs: 0,
      maxItems: 5,
      sink: (items) => {
        batches.push([...items]);
        return items.map((n) => n * 10);
      },
    });
    await batcher.start();
    let next = 0;
    for (const size of [7, 40, 1, 23, 12]) {
      const controller = new AbortController();
      const keys = Array.from({ length: size }, () => next++);
      // Every fourth item can be cancelled; those at 4, 12, 20 ... are, before the run is sent.
      const results = keys.map((k, i) =>
        outcome(i % 4 === 0 ? batcher.add(k, { signal: i % 8 === 4 ? controller.signal : undefined }) : batcher.add(k)),
      );
      controller.abort(new Error('cancelled'));
      const settled = await Promise.all(results);
      settled.forEach((r, i) => {
        if (i % 8 === 4) expect(r).toEqual({ ok: false, error: new Error('cancelled') });
        else expect(r).toEqual({ ok: true, value: keys[i]! * 10 });
      });
    }
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(5);
    const sent = batches.flat();
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    await batcher.stop();
    expect(batcher.efficiency().items).toBe(sent.length);
  });

  test('a crash fails plain items and items with a signal of one chunk alike, each once; a cancelled one keeps its reason', async () => {
    const held = gate();
    let calls = 0;
    const batcher = Batcher.create<number, number>({
      maxDelayMs: 0,
      maxItems: 3,
      sink: async (items) => {
        if (++calls > 1) await held.promise;
        return items.map((n) => n * 10);
      },
    });
    await batcher.start();
    const first = batcher.pid!;
    const controllers = [new AbortController(), new AbortController()];
    // One run: plain items (no Entry) and items with a signal (an Entry) in one chunk, three batches.
    const promises = [
      batcher.add(1),
      batcher.add(2, { signal: controllers[0]!.signal }),
      batcher.add(3),
      batcher.add(4),
      batcher.add(5, { signal: controllers[1]!.signal }),
      batcher.add(6),
      batcher.add(7),
    ];
    const counts = promises.map(() => 0);
    const results = promises.map((p, i) =>
      outcome(p).then((r) => {
        counts[i]!++;
        return r;
      }),
    );
    expect(await Promise.all(results.slice(0, 3))).toEqual([
      { ok: true, value: 10 },
      { ok: true, value: 20 },
      { ok: true, value: 30 },
    ]);
    controllers[1]!.abort('gave up');
    expect(await results[4]).toEqual({ ok: false, error: 'gave up' });
    exit(first, 'kill');
    for (const i of [3, 5, 6]) {
      const r = await results[i]!;
      expect(r.ok).toBe(false);
      expect((r as { error: unknown }).error).toBeInstanceOf(BatcherExitedError);
    }
    controllers[0]!.abort('late'); // settled long ago: nothing happens
    held.open();
    await turns(5);
    expect(counts).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  test('childSpec puts the batcher in any tree; it emits a telemetry event per batch', async () => {
    const events: BatchEvent[] = [];
    node.events.on('batcher:batch', (e) => events.push(e));
    const batcher = Batcher.create({ name: 'doubler', sink: double, maxDelayMs: 0 });
    const sup = await Supervisor.start({ children: [batcher.childSpec('doubler')] });
    expect(await Promise.all([1, 2].map((n) => batcher.add(n)))).toEqual([2, 4]);
    expect(events).toEqual([expect.objectContaining({ batcher: 'doubler', batch: 1, size: 2, outcome: 'answered' })]);
    const children = await Supervisor.whichChildren(sup);
    expect(children.map((c) => c.id)).toEqual(['doubler']);
    // stop() ends it for good: the transient child is not restarted.
    const exited = awaitExit(children[0]!.pid as Pid);
    await batcher.stop();
    expect(await exited).toBe('normal');
    expect((await Supervisor.countChildren(sup)).active).toBe(0);
  });
});
