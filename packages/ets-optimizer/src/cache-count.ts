/** What a per-thread cache holds, counted exactly: not a byte size of the JS heap. */
export interface CacheCount {
  /** Cached entries (dictionary strings, shared values, compression dictionaries). */
  entries: number;
  /** UTF-16 code units of the cached strings. */
  stringUnits: number;
  /** Bytes of the cached binaries (Buffers and Uint8Arrays: their backing stores, outside the JS heap). */
  binaryBytes: number;
}
