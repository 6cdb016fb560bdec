import { Node } from '@erlmcp/otp';
import { Batcher, BatcherArgError, type BatcherOptions } from '@erlmcp/message-batcher';
import { outcome } from './helpers';

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
});
afterEach(() => node.stop());

const sink = (items: unknown[]) => items;

test.each<[string, unknown, RegExp]>([
  ['no options', undefined, /options must be an object with a sink/],
  ['a sink that is not a function', { sink: 'send' }, /sink must be a function, got string/],
  ['a NaN window', { sink, maxDelayMs: NaN }, /maxDelayMs must be a number, got NaN/],
  ['a negative window', { sink, maxDelayMs: -1 }, /maxDelayMs must be at least 0, got -1/],
  ['an infinite window', { sink, maxDelayMs: Infinity }, /maxDelayMs must be finite/],
  ['a fractional maxItems', { sink, maxItems: 2.5 }, /maxItems must be an integer, got 2.5/],
  ['a zero maxItems', { sink, maxItems: 0 }, /maxItems must be at least 1, got 0/],
  ['a negative maxQueued', { sink, maxQueued: -5 }, /maxQueued must be at least 1, got -5/],
  ['a string maxInFlight', { sink, maxInFlight: '4' }, /maxInFlight must be a number, got string/],
  [
    'a NaN targetLatencyMs',
    { sink, strategy: 'adaptive', targetLatencyMs: NaN },
    /targetLatencyMs must be a number, got NaN/,
  ],
  [
    'an unknown strategy',
    { sink, strategy: 'eager' },
    /strategy must be one of time, count, semantic, adaptive, got eager/,
  ],
  ['semantic without groupBy', { sink, strategy: 'semantic' }, /strategy semantic needs groupBy/],
  ['a groupBy that is not a function', { sink, groupBy: 'kind' }, /groupBy must be a function, got string/],
  [
    'a clock without timers',
    { sink, clock: { now: () => 0 } },
    /clock must have now\(\), setTimeout\(fn, ms\) and clearTimeout\(handle\)/,
  ],
])('%s is a BatcherArgError that says what is wrong', (_what, options, message) => {
  let error: unknown;
  try {
    Batcher.create(options as BatcherOptions<unknown, unknown>);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(BatcherArgError);
  expect((error as Error).message).toMatch(message);
});

test('bad add options, a throwing groupBy and a bad sizeOf reject that item only; the batcher keeps running', async () => {
  const batcher = Batcher.create<string, string>({
    sink: (items) => items,
    maxDelayMs: 0,
    maxBytes: 100,
    groupBy: (s) => {
      if (s === 'boom') throw new Error('no group for boom');
      return s.length;
    },
    sizeOf: (s) => (s === 'nan' ? NaN : s.length),
  });
  await batcher.start();
  const results = await Promise.all([
    outcome(batcher.add('ok')),
    outcome(batcher.add('boom')),
    outcome(batcher.add('nan')),
    outcome(batcher.add('x', 5 as never)),
    outcome(batcher.add('y', { signal: 'abort' as never })),
    outcome(batcher.add('z', { flush: 'yes' as never })),
  ]);
  expect(results[0]).toEqual({ ok: true, value: 'ok' });
  const messages = results.slice(1).map((r) => {
    expect((r as { error: unknown }).error).toBeInstanceOf(BatcherArgError);
    return (r as { error: Error }).error.message;
  });
  expect(messages).toEqual([
    'groupBy threw for this item: no group for boom',
    'sizeOf gave NaN: expected a number >= 0',
    'add options must be an object',
    'signal must be an AbortSignal',
    'flush must be a boolean',
  ]);
  expect(await batcher.add('still up')).toBe('still up');
});
