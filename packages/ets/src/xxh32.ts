/**
 * XXH32 (xxHash, 32-bit) over a byte range, in plain TypeScript.
 *
 * Table keys are short (a tag, a few dozen bytes), where a call into a wasm
 * module costs more than the hash itself: the bytes would first have to be
 * copied into the module's memory. The function is the reference algorithm
 * (same output as xxhash-wasm's `h32Raw`; the test checks the reference
 * vectors). The result is a signed Int32, the form the index stores.
 */
const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function round(acc: number, lane: number): number {
  acc = (acc + Math.imul(lane, P2)) | 0;
  acc = (acc << 13) | (acc >>> 19);
  return Math.imul(acc, P1);
}

export function xxh32(bytes: Uint8Array, offset: number, length: number, seed = 0): number {
  let i = offset;
  const end = offset + length;
  let h: number;
  if (length >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    do {
      v1 = round(v1, read32(bytes, i));
      v2 = round(v2, read32(bytes, i + 4));
      v3 = round(v3, read32(bytes, i + 8));
      v4 = round(v4, read32(bytes, i + 12));
      i += 16;
    } while (i <= limit);
    h =
      (((v1 << 1) | (v1 >>> 31)) +
        ((v2 << 7) | (v2 >>> 25)) +
        ((v3 << 12) | (v3 >>> 20)) +
        ((v4 << 18) | (v4 >>> 14))) |
      0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + length) | 0;
  for (; i + 4 <= end; i += 4) {
    h = (h + Math.imul(read32(bytes, i), P3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), P4);
  }
  for (; i < end; i++) {
    h = (h + Math.imul(bytes[i]!, P5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), P1);
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h | 0;
}
