/**
 * The hash of a key encoding: XXH32, seed 0.
 *
 * Long keys go to xxhash-wasm, which is about twice as fast as JavaScript
 * from ~160 bytes on. Short keys (most keys) stay in the JavaScript XXH32:
 * below that size the call into wasm and the copy of the bytes into its
 * memory cost more than hashing them (16 B: ~60 ns against ~18 ns here).
 *
 * Both compute the same function (test/key-hash.test.ts checks it on random
 * inputs), and xxhash-wasm compiles asynchronously, so until it is ready in
 * a thread every key takes the JavaScript path: hashing is synchronous from
 * the first operation and never depends on which of the two ran.
 */
import xxhash from 'xxhash-wasm';
import { xxh32 } from './xxh32';

/** Key encodings at least this long are hashed by xxhash-wasm once it is ready. */
export const WASM_MIN_KEY_BYTES = 160;

let wasm: Awaited<ReturnType<typeof xxhash>> | undefined;

/** Resolves true once xxhash-wasm is ready in this thread (false if it cannot load: the JavaScript XXH32 stays in use). */
export const keyHashReady: Promise<boolean> = xxhash().then(
  (api) => {
    wasm = api;
    return true;
  },
  () => false,
);

/** XXH32 of `bytes[0, length)` as a signed Int32 (the form the index stores). */
export function hashKey(bytes: Uint8Array, length: number): number {
  if (length >= WASM_MIN_KEY_BYTES && wasm !== undefined) return wasm.h32Raw(bytes.subarray(0, length), 0) | 0;
  return xxh32(bytes, 0, length);
}
