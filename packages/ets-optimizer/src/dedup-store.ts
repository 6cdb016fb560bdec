/**
 * The shared store of large strings and binaries, like the BEAM's refc
 * binaries: a value that cold records hold more than once is stored once,
 * with a count of the records that hold it, and freed when the last goes.
 *
 * Rows `[id, count, value]` of an @erlmcp/ets table, which every thread
 * reads and updates. The id is 53 bits of two XXH32 hashes of the value's
 * bytes. Counting up is `updateCounter`; freeing is a compare-and-swap
 * (`replaceObject([id, 0, value])`), so a thread that counts the value up
 * again between the last release and the free keeps it. A value whose id
 * is held by another value (a 53-bit collision) is stored inline instead.
 * Each thread caches values it has read, by id: while a value lives its id
 * means only it; after it is freed only another value with the same 53-bit
 * id could reuse the id (documented in the README).
 */
import { NoSuchKeyError, xxh32, type Table } from '@erlmcp/ets';
import type { CacheCount } from './cache-count';
import type { SeenSketch } from './sketch';

type Shared = string | Uint8Array;

export class DedupStore {
  private readonly cache = new Map<number, Shared>();

  constructor(
    readonly table: Table,
    private readonly sketch: SeenSketch,
    readonly minBytes: number,
  ) {}

  /** Whether `v` is large enough to be shared. */
  wants(v: Shared): boolean {
    return typeof v === 'string' ? v.length >= this.minBytes : v.length >= this.minBytes;
  }

  /** Takes a reference to `v` in the store and returns its id; -1 when it should stay inline (first sighting, or an id collision). */
  acquire(v: Shared): number {
    const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    const seed = typeof v === 'string' ? 0x51 : Buffer.isBuffer(v) ? 0xb1 : 0xc1;
    const h1 = xxh32(bytes, 0, bytes.length, seed) >>> 0;
    const id = h1 * 0x200000 + ((xxh32(bytes, 0, bytes.length, seed + 1) >>> 0) >>> 11);
    const cached = this.cache.get(id);
    if (cached === undefined && this.sketch.see(h1) < 2) return -1;
    for (;;) {
      try {
        this.table.updateCounter(id, 1);
      } catch (error) {
        if (!(error instanceof NoSuchKeyError)) throw error;
        if (this.table.insertNew([id, 1, v])) {
          this.cache.set(id, v);
          return id;
        }
        continue;
      }
      if (cached !== undefined && same(cached, v)) return id;
      const [row] = this.table.lookup(id);
      if (row !== undefined && same(row[2] as Shared, v)) {
        this.cache.set(id, row[2] as Shared);
        return id;
      }
      this.release(id);
      return -1;
    }
  }

  /** Drops one reference; the last one frees the value. */
  release(id: number): void {
    let left: number;
    try {
      left = this.table.updateCounter(id, -1);
    } catch (error) {
      if (error instanceof NoSuchKeyError)
        throw new RangeError(`dedup store: release of id ${id}, which it does not hold`, { cause: error });
      throw error;
    }
    if (left > 0) return;
    const [row] = this.table.lookup(id);
    if (row !== undefined && row[1] === 0) this.table.replaceObject(row);
  }

  /** The value of `id` (binaries as a fresh copy, so no caller can change the cached one). */
  valueOf(id: number): Shared {
    let v = this.cache.get(id);
    if (v === undefined) {
      const [row] = this.table.lookup(id);
      if (row === undefined) throw new RangeError(`cold record: shared value ${id} is not in the store`);
      v = row[2] as Shared;
      this.cache.set(id, v);
    }
    return typeof v === 'string' ? v : Buffer.isBuffer(v) ? Buffer.from(v) : new Uint8Array(v);
  }

  /** Values in the store and the references to them (a scan: for stats and tests). */
  stats(): { values: number; references: number; bytes: number } {
    let references = 0;
    let bytes = 0;
    for (const [, count, v] of this.table.tab2list()) {
      references += count as number;
      bytes += typeof v === 'string' ? Buffer.byteLength(v) : (v as Uint8Array).length;
    }
    return { values: this.table.size, references, bytes };
  }

  /** What this thread's cache of shared values holds: values, their strings' UTF-16 code units, their binaries' bytes. */
  cached(): CacheCount {
    const count: CacheCount = { entries: this.cache.size, stringUnits: 0, binaryBytes: 0 };
    for (const v of this.cache.values()) {
      if (typeof v === 'string') count.stringUnits += v.length;
      else count.binaryBytes += v.byteLength;
    }
    return count;
  }
}

function same(a: Shared, b: Shared): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return Buffer.isBuffer(a) === Buffer.isBuffer(b) && Buffer.compare(a, b) === 0;
}
