/**
 * Consistent placement of names on shards: xxHash32 of the name's bytes (by
 * xxhash-wasm), then jump consistent hashing (Lamping & Veach, 2014). Going
 * from N to N+1 shards moves a name only to the new shard, and about 1/(N+1)
 * of them.
 *
 * xxhash-wasm compiles its module asynchronously; until it has, in each
 * thread, the same function runs in JavaScript (the reference XXH32 that
 * @erlmcp/ets exports, equal output: test/placement.test.ts checks it), so
 * lookups are synchronous from the first one and placement never depends on
 * which of the two ran.
 *
 * The original jump hash draws from a 64-bit LCG; JavaScript has no cheap
 * 64-bit multiply, so the key's stream of draws comes from a 32-bit
 * splitmix-style mixer instead. The bound only needs a uniform draw per step.
 */
import { xxh32 } from '@erlmcp/ets';
import xxhash from 'xxhash-wasm';

const SEED = 0x5eed;
const encoder = new TextEncoder();
let scratch = new Uint8Array(256);
let wasm: Awaited<ReturnType<typeof xxhash>> | undefined;

/** Resolves once xxhash-wasm is ready in this thread (it never rejects: the JavaScript XXH32 stays in use then). */
export const xxhashReady: Promise<boolean> = xxhash().then(
  (api) => {
    wasm = api;
    return true;
  },
  () => false,
);

/** xxHash32 of a string's UTF-8 bytes. */
export function hashString(s: string): number {
  if (wasm !== undefined) return wasm.h32(s, SEED);
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3 + 64);
  const { written } = encoder.encodeInto(s, scratch);
  return xxh32(scratch, 0, written, SEED) >>> 0;
}

/** xxHash32 of bytes (the msgpack encoding of a non-string name). */
export function hashBytes(b: Uint8Array): number {
  if (wasm !== undefined) return wasm.h32Raw(b, SEED);
  return xxh32(b, 0, b.length, SEED) >>> 0;
}

/** The same hash by the JavaScript XXH32 alone (tests compare the two). */
export function hashStringJs(s: string): number {
  const bytes = encoder.encode(s);
  return xxh32(bytes, 0, bytes.length, SEED) >>> 0;
}

/** The bucket in [0, n) for a 32-bit hash. */
export function jumpHash(hash: number, n: number): number {
  let state = hash | 0;
  let b = -1;
  let j = 0;
  while (j < n) {
    b = j;
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    j = Math.floor((b + 1) * (2147483648 / ((z >>> 1) + 1)));
  }
  return b;
}
