/**
 * Keys are hashed by xxhash-wasm when long and by the JavaScript XXH32 when
 * short or before the wasm module is ready: both must be the same function.
 */
import fc from 'fast-check';
import xxhash from 'xxhash-wasm';
import { Ets, hashKey, keyHashReady, WASM_MIN_KEY_BYTES, xxh32 } from '@erlmcp/ets';

describe('key hashing', () => {
  it('xxhash-wasm and the JavaScript XXH32 agree on every input, short or long', async () => {
    const wasm = await xxhash();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        expect(xxh32(bytes, 0, bytes.length) >>> 0).toBe(wasm.h32Raw(bytes, 0));
        expect(hashKey(bytes, bytes.length)).toBe(xxh32(bytes, 0, bytes.length));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes only the first `length` bytes of a larger scratch buffer', async () => {
    await keyHashReady;
    const scratch = new Uint8Array(1024).map((_, i) => (i * 31) & 0xff);
    for (const length of [0, 15, WASM_MIN_KEY_BYTES - 1, WASM_MIN_KEY_BYTES, 700]) {
      expect(hashKey(scratch, length)).toBe(xxh32(scratch.slice(0, length), 0, length));
    }
  });

  it('long keys written before xxhash-wasm was ready are found after it is', async () => {
    // This module is loaded with the test file, so the wasm compile may still be in flight here.
    const table = Ets.new<[string, number]>('long_keys', { access: 'public' });
    const key = (n: number): string => `${n}:`.padEnd(WASM_MIN_KEY_BYTES * 2, 'k');
    for (let n = 0; n < 50; n++) table.insert([key(n), n]);
    expect(await keyHashReady).toBe(true);
    for (let n = 50; n < 100; n++) table.insert([key(n), n]);
    for (let n = 0; n < 100; n++) expect(table.lookup(key(n))).toEqual([[key(n), n]]);
    expect(table.size).toBe(100);
    Ets.delete(table);
  });
});
