import { hashString, hashStringJs, jumpHash, xxhashReady } from '@erlmcp/sharded-registry';

const names = Array.from({ length: 100_000 }, (_, i) => `session:${i}`);
const hashes = names.map(hashString);

describe('consistent placement (xxHash32 + jump hash)', () => {
  test.each([1, 4, 16, 63])(
    'going from %i to N+1 shards moves about 1/(N+1) of the names, all to the new shard',
    (n) => {
      let moved = 0;
      for (const h of hashes) {
        const before = jumpHash(h, n);
        const after = jumpHash(h, n + 1);
        if (before !== after) {
          moved++;
          expect(after).toBe(n);
        }
      }
      const fraction = moved / names.length;
      const ideal = 1 / (n + 1);
      // 100,000 names: the standard deviation of the moved count is under 0.2% of it; 10% is far outside chance.
      expect(Math.abs(fraction - ideal) / ideal).toBeLessThan(0.1);
    },
  );

  test('names spread evenly over 64 shards', () => {
    const counts = new Array<number>(64).fill(0);
    for (const h of hashes) counts[jumpHash(h, 64)]!++;
    const mean = names.length / 64;
    for (const c of counts) expect(Math.abs(c - mean) / mean).toBeLessThan(0.15);
  });

  test("the hash is xxhash-wasm's XXH32, equal to the JavaScript XXH32 used until the wasm module is ready", async () => {
    expect(await xxhashReady).toBe(true);
    for (let i = 0; i < 5_000; i++) {
      const name = `n:${i}:${'é😀'.repeat(i % 4)}${'x'.repeat(i % 37)}`;
      expect(hashString(name)).toBe(hashStringJs(name));
    }
  });

  test('placement is a pure function of the name and the shard count', () => {
    expect(jumpHash(hashString('a'), 10)).toBe(jumpHash(hashString('a'), 10));
    expect(jumpHash(hashString('a'), 1)).toBe(0);
  });
});
