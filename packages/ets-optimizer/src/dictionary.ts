/**
 * The table's dictionary of small strings: strings that recur across the
 * table's records (property names, enum values, client names, tool names)
 * get an id, and cold records hold the id instead of the string.
 *
 * It is trained, like the compression dictionary: a maintenance pass counts
 * the strings of a sample of records and adds those found in several of
 * them, so strings unique to one record (ids, timestamps) never take a
 * place. It lives in an @erlmcp/ets table (`[id, string]` and `[string, id]`
 * rows) and a count of published ids in shared memory: every thread loads
 * the ids it has not seen yet when the count moves. Ids never change
 * meaning and are never freed (like atoms); there are at most `maxEntries`.
 */
import type { Table } from '@erlmcp/ets';
import type { CacheCount } from './cache-count';

export class Dictionary {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
  private loaded = 0;

  constructor(
    readonly table: Table,
    private readonly ctl: Int32Array,
    private readonly countWord: number,
    readonly maxLength: number,
    readonly maxEntries: number,
  ) {}

  /** Strings the dictionary holds (all threads). */
  get size(): number {
    return Atomics.load(this.ctl, this.countWord);
  }

  /** The id of `s`, or -1 (store it inline). */
  idOf(s: string): number {
    if (this.loaded !== Atomics.load(this.ctl, this.countWord)) this.sync();
    return this.ids.get(s) ?? -1;
  }

  stringOf(id: number): string {
    let s = this.strings[id];
    if (s === undefined) {
      this.sync();
      s = this.strings[id];
      if (s === undefined) throw new RangeError(`cold record: dictionary id ${id} is not in the dictionary`);
    }
    return s;
  }

  /**
   * Adds the strings of `samples` (payloads) that occur in at least
   * `minRecords` of them and fit, most frequent first. Returns how many it
   * added. One thread at a time (the maintenance pass).
   */
  train(samples: readonly unknown[], minRecords: number): number {
    this.sync();
    const counts = new Map<string, number>();
    for (const sample of samples) {
      const seen = new Set<string>();
      collect(sample, this.maxLength, seen, 0);
      for (const s of seen) if (!this.ids.has(s)) counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    const fresh = [...counts].filter(([, n]) => n >= minRecords).sort((a, b) => b[1] - a[1]);
    let added = 0;
    for (const [s] of fresh) {
      const id = Atomics.load(this.ctl, this.countWord);
      if (id >= this.maxEntries) break;
      if (!this.table.insertNew([s, id])) continue;
      this.table.insert([id, s]);
      // Published once both rows exist: a reader that sees the count finds them.
      Atomics.store(this.ctl, this.countWord, id + 1);
      added++;
    }
    this.sync();
    return added;
  }

  /** What this thread's cache of the dictionary holds: strings and their UTF-16 code units (counted, not sized: see memory-report.ts). */
  cached(): CacheCount {
    let stringUnits = 0;
    for (const s of this.ids.keys()) stringUnits += s.length;
    return { entries: this.ids.size, stringUnits, binaryBytes: 0 };
  }

  private sync(): void {
    const n = Atomics.load(this.ctl, this.countWord);
    for (; this.loaded < n; this.loaded++) {
      const [row] = this.table.lookup(this.loaded);
      if (row === undefined) throw new RangeError(`dictionary id ${this.loaded} is published but missing`);
      this.ids.set(row[1] as string, this.loaded);
      this.strings[this.loaded] = row[1] as string;
    }
  }
}

/** The strings (up to `maxLength` units, property names included) of plain objects and arrays in `v`. */
function collect(v: unknown, maxLength: number, out: Set<string>, depth: number): void {
  if (typeof v === 'string') {
    if (v.length <= maxLength) out.add(v);
    return;
  }
  if (v === null || typeof v !== 'object' || depth > 64) return;
  if (Array.isArray(v)) {
    for (const x of v) collect(x, maxLength, out, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k.length <= maxLength) out.add(k);
    collect(x, maxLength, out, depth + 1);
  }
}
