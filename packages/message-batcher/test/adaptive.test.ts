/**
 * The adaptive strategy on a manual clock: time moves only when the test says,
 * so these runs are the same on any machine.
 */
import { Node } from '@erlmcp/otp';
import { Batcher, ManualClock, type BatchEvent, type Strategy } from '@erlmcp/message-batcher';
import { turns } from './helpers';

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
});
afterEach(() => node.stop());

interface Seen extends BatchEvent {
  at: number;
}

/** A batcher whose sink answers after `latency()` ms of the manual clock; every batch is recorded with its time. */
async function harness(strategy: Strategy, latency: () => number, extra: { maxInFlight?: number } = {}) {
  const clock = new ManualClock();
  const seen: Seen[] = [];
  const batcher = Batcher.create<number, number>({
    name: `adaptive-${strategy}`,
    strategy,
    clock,
    targetLatencyMs: 10,
    maxDelayMs: 10,
    maxItems: 50,
    ...extra,
    sink: (items) => new Promise((resolve) => clock.setTimeout(() => resolve(items), latency())),
  });
  node.events.on('batcher:batch', (e) => {
    if (e.batcher === batcher.name) seen.push({ ...e, at: clock.now() });
  });
  await batcher.start();
  const pending: Promise<number>[] = [];
  /** Runs `ms` steps of 1 ms, adding `perMs(t)` items at the start of each. */
  const run = async (ms: number, perMs: (t: number) => number) => {
    for (let t = 0; t < ms; t++) {
      const n = perMs(t);
      for (let i = 0; i < n; i++) pending.push(batcher.add(pending.length));
      await turns(2);
      clock.advance(1);
      await turns(2);
    }
  };
  const finish = async () => {
    // Let every window close and every sink answer.
    for (let i = 0; i < 200 && seen.reduce((n, e) => n + e.size, 0) < pending.length; i++) {
      clock.advance(1);
      await turns(2);
    }
    const values = await Promise.all(pending);
    expect(values).toEqual(values.map((_, i) => i));
  };
  return { batcher, seen, run, finish, clock };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('steady low rate: adaptive sends each item at once, where a fixed window makes each wait', async () => {
  const adaptive = await harness('adaptive', () => 1);
  await adaptive.run(1000, (t) => (t % 50 === 0 ? 1 : 0));
  await adaptive.finish();
  expect(adaptive.seen.map((e) => e.size)).toEqual(Array(20).fill(1));
  expect(adaptive.batcher.efficiency().addedWaitMs.max).toBe(0);

  const timed = await harness('time', () => 1);
  await timed.run(1000, (t) => (t % 50 === 0 ? 1 : 0));
  await timed.finish();
  expect(timed.batcher.efficiency().addedWaitMs.p50).toBeCloseTo(10, 1);
});

test('steady high rate: batches grow toward rate x budget, and no item waits past the budget', async () => {
  const h = await harness('adaptive', () => 1);
  await h.run(300, () => 3); // 3 items/ms: a 10 ms budget holds about 30
  await h.finish();
  const steady = h.seen.filter((e) => e.at > 50 && e.at < 290);
  expect(steady.length).toBeGreaterThan(10);
  expect(mean(steady.map((e) => e.size))).toBeGreaterThanOrEqual(25);
  expect(Math.max(...h.seen.map((e) => e.maxWaitMs))).toBeLessThanOrEqual(10);
});

test('bursts: a burst leaves in full batches at once; the quiet after it goes back to single items', async () => {
  const h = await harness('adaptive', () => 1);
  await h.run(400, (t) => (t === 100 ? 500 : t % 40 === 0 ? 1 : 0));
  await h.finish();
  const burst = h.seen.filter((e) => e.size > 1);
  expect(burst.map((e) => e.size)).toEqual(Array(10).fill(50));
  expect(Math.max(...h.seen.map((e) => e.maxWaitMs))).toBeLessThanOrEqual(10);
  const after = h.seen.filter((e) => e.at > 250);
  expect(after.length).toBeGreaterThan(0);
  for (const e of after) expect(e.size).toBe(1);
});

test('a slow sink: batches grow to keep up with one slot; when the sink speeds up they shrink and waits fall under the budget', async () => {
  let latency = 30;
  const h = await harness('adaptive', () => latency, { maxInFlight: 1 });
  await h.run(300, () => 1); // 1 item/ms against a sink of 30 ms per batch
  const slow = h.seen.filter((e) => e.at > 100);
  expect(slow.length).toBeGreaterThan(3);
  // Keeping up takes about 30 items a batch; nothing piles up (waits stay near one sink latency).
  expect(mean(slow.map((e) => e.size))).toBeGreaterThanOrEqual(25);
  expect(Math.max(...slow.map((e) => e.maxWaitMs))).toBeLessThanOrEqual(2 * 30);
  const cut = h.seen.length;
  latency = 1;
  await h.run(300, () => 1);
  await h.finish();
  const fast = h.seen.slice(cut).filter((e) => e.at > 450);
  expect(fast.length).toBeGreaterThan(10);
  expect(mean(fast.map((e) => e.size))).toBeLessThan(mean(slow.map((e) => e.size)) / 2);
  expect(Math.max(...fast.map((e) => e.maxWaitMs))).toBeLessThanOrEqual(10);
});
