import fc from 'fast-check';
import { VersionedCache, cacheKeyHash, isCacheKey, type VersionedCacheOptions } from '../src/versioned-cache';

// A control buffer laid out like a sharded registry's: an epoch word, then one version word per source.
const C_EPOCH = 1;
const versionWord = (source: number): number => 2 + source;
const words = (sources: number, minSlots?: number): VersionedCacheOptions => ({
  versionWords: Array.from({ length: sources }, (_, s) => versionWord(s)),
  epochWord: C_EPOCH,
  minSlots,
});

type Op =
  | { kind: 'set'; name: number; value: number; shard: number; version: number; epoch: number }
  | { kind: 'get'; name: number }
  | { kind: 'clear' }
  | { kind: 'control'; epoch: number; shard: number; version: number };

// Few names, shards, versions and epochs: entries are overwritten, invalidated and refilled often.
const NAMES = 40;
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      name: fc.nat(NAMES - 1),
      value: fc.nat(),
      shard: fc.nat(3),
      version: fc.nat(2),
      epoch: fc.nat(1),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), name: fc.nat(NAMES - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('control' as const),
      epoch: fc.nat(1),
      shard: fc.nat(3),
      version: fc.nat(2),
    }),
  },
);

interface Cached {
  value: { v: number };
  shard: number;
  version: number;
  epoch: number;
}

test('random set / get / clear sequences agree with a Map model, in tables small enough that names share slots and probe', () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 300 }),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom(1, 2, 4),
      (ops, limit, minSlots) => {
        const cache = new VersionedCache<{ v: number }>(limit, words(4, minSlots));
        const model = new Map<string, Cached>();
        const ctl = new Int32Array(versionWord(4));
        const name = (n: number) => `n${n}`;
        for (const o of ops) {
          if (o.kind === 'set') {
            const value = { v: o.value };
            // The cache keeps only entries of one epoch, and at most `limit` of them (emptied when one more would be added).
            if (model.size > 0 && [...model.values()][0]!.epoch !== o.epoch) model.clear();
            if (!model.has(name(o.name)) && model.size >= limit) model.clear();
            model.set(name(o.name), { value, shard: o.shard, version: o.version, epoch: o.epoch });
            cache.set(name(o.name), value, o.shard, o.version, o.epoch);
          } else if (o.kind === 'clear') {
            model.clear();
            cache.clear();
          } else if (o.kind === 'control') {
            ctl[C_EPOCH] = o.epoch;
            ctl[versionWord(o.shard)] = o.version;
          }
          // After every step, every name: found exactly when the model holds it, fresh exactly when its epoch and version still match.
          for (let n = 0; n < NAMES; n++) {
            const expected = model.get(name(n));
            const at = cache.find(name(n));
            expect(at >= 0).toBe(expected !== undefined);
            const fresh = cache.fresh(name(n), ctl);
            if (
              expected === undefined ||
              ctl[C_EPOCH] !== expected.epoch ||
              ctl[versionWord(expected.shard)] !== expected.version
            ) {
              expect(fresh).toBe(-1);
            } else {
              expect(fresh).toBe(at);
              expect(cache.sourceAt(fresh)).toBe(expected.shard);
              expect(cache.valueAt(fresh)).toBe(expected.value);
            }
          }
          expect(cache.size).toBe(model.size);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('names whose whole hashes collide are told apart by the name itself', () => {
  // FNV-1a of two chars x, y is ((h0 ^ x) * P ^ y) * P: two names collide when (h0 ^ x) * P and
  // (h0 ^ x') * P differ only in their low 16 bits (then y' makes up the difference).
  const first = (x: number) => Math.imul(0x811c9dc5 ^ x, 0x01000193);
  const byTop = new Map<number, number>();
  let pair: [string, string] | undefined;
  for (let x = 0; pair === undefined && x < 0x10000; x++) {
    const other = byTop.get(first(x) >>> 16);
    if (other !== undefined)
      pair = [String.fromCharCode(other, 0), String.fromCharCode(x, (first(other) ^ first(x)) & 0xffff)];
    byTop.set(first(x) >>> 16, x);
  }
  const [a, b] = pair!;
  expect(a).not.toBe(b);
  expect(cacheKeyHash(a)).toBe(cacheKeyHash(b));
  const cache = new VersionedCache<string>(1, words(1, 2));
  cache.set(a, 'A', 0, 0, 0);
  expect(cache.find(b)).toBe(-1);
  const big = new VersionedCache<string>(4, words(2, 2));
  big.set(a, 'A', 0, 0, 0);
  big.set(b, 'B', 1, 0, 0);
  expect(big.valueAt(big.find(a))).toBe('A');
  expect(big.valueAt(big.find(b))).toBe('B');
});

test('a cache of limit 0 holds nothing', () => {
  const cache = new VersionedCache<string>(0, words(1));
  cache.set('x', 'X', 0, 0, 0);
  expect(cache.find('x')).toBe(-1);
  expect(cache.size).toBe(0);
});

test('growing from the smallest table to the limit keeps every entry', () => {
  const cache = new VersionedCache<number>(5000, words(4096, 1));
  for (let i = 0; i < 5000; i++) cache.set(`name:${i}`, i, i % 7, 0, 0);
  const ctl = new Int32Array(versionWord(8));
  for (let i = 0; i < 5000; i++) {
    const at = cache.fresh(`name:${i}`, ctl);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(cache.valueAt(at)).toBe(i);
    expect(cache.sourceAt(at)).toBe(i % 7);
  }
  cache.set('one more', -1, 0, 0, 0);
  expect(cache.size).toBe(1);
});

test('every shard number a registry can have, and versions past the small-integer range, come back as cached', () => {
  const cache = new VersionedCache<number>(5000, words(4096, 1));
  const shards = [0, 1, 2047, 2048, 4094, 4095];
  const versions = [0, 1, 2 ** 30, -(2 ** 31), 2 ** 31 - 1];
  const ctl = new Int32Array(versionWord(4096));
  let n = 0;
  for (const shard of shards) for (const version of versions) cache.set(`name:${n++}`, n, shard, version, 0);
  n = 0;
  for (const shard of shards) {
    for (const version of versions) {
      ctl[versionWord(shard)] = version;
      const at = cache.fresh(`name:${n}`, ctl);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(cache.sourceAt(at)).toBe(shard);
      expect(cache.valueAt(at)).toBe(n + 1);
      ctl[versionWord(shard)] = version + 1;
      expect(cache.fresh(`name:${n}`, ctl)).toBe(-1);
      n++;
    }
  }
});

test('int32 keys are cached apart from the strings that print the same, and other numbers are not cache keys', () => {
  expect([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 'x', ''].every(isCacheKey)).toBe(true);
  expect([-0, 0.5, 2 ** 31, NaN, Infinity, 1n, null, undefined, {}, ['a']].some(isCacheKey)).toBe(false);
  const cache = new VersionedCache<string>(100, words(1, 1));
  const keys = [0, '0', 1, '1', -1, '-1', 2 ** 31 - 1, -(2 ** 31)];
  keys.forEach((k, i) => cache.set(k, `v${i}`, 0, 0, 0));
  const ctl = new Int32Array(versionWord(1));
  keys.forEach((k, i) => expect(cache.valueAt(cache.fresh(k, ctl))).toBe(`v${i}`));
  expect(cache.size).toBe(keys.length);
});

test('a changed epoch makes every entry stale, and the next set empties the cache', () => {
  const cache = new VersionedCache<number>(100, words(2));
  const ctl = new Int32Array(versionWord(2));
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, i, i % 2, 0, 0);
  ctl[C_EPOCH] = 1;
  for (let i = 0; i < 10; i++) expect(cache.fresh(`k${i}`, ctl)).toBe(-1);
  cache.set('new', 42, 0, 0, 1);
  expect(cache.size).toBe(1);
  expect(cache.valueAt(cache.fresh('new', ctl))).toBe(42);
});

test('bad limits and layouts are refused', () => {
  expect(() => new VersionedCache(-1, words(1))).toThrow(RangeError);
  expect(() => new VersionedCache(1.5, words(1))).toThrow(RangeError);
  expect(() => new VersionedCache(10, words(1, 3))).toThrow(RangeError);
  expect(() => new VersionedCache(10, words(4097))).toThrow(RangeError);
});
