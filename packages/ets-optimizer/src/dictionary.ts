/**
 * The table's dictionary of small strings: a string seen twice (by any
 * thread) gets an id, and cold records hold the id instead of the string.
 * It lives in an @erlmcp/ets table (`[string, id]` and `[id, string]` rows),
 * so every thread reads and extends it; ids never change meaning, so each
 * thread caches what it has looked up without ever invalidating it. Ids are
 * never freed (like atoms), and there are at most `maxDictionary` of them.
 */
import { hashTerm, type Table } from '@erlmcp/ets';
import type { SeenSketch } from './sketch';

const ID_SEED = 0xd1c7;

export class Dictionary {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];

  constructor(
    readonly table: Table,
    private readonly ctl: Int32Array,
    private readonly nextIdWord: number,
    private readonly sketch: SeenSketch,
    readonly maxLength: number,
    readonly maxEntries: number,
  ) {}

  /** Strings the dictionary holds (all threads). */
  get size(): number {
    return Math.min(Atomics.load(this.ctl, this.nextIdWord), this.maxEntries);
  }

  /** The id of `s`, interning it if it has been seen before; -1 to store it inline. */
  idOf(s: string): number {
    const known = this.ids.get(s);
    if (known !== undefined) return known;
    if (s.length > this.maxLength || this.maxEntries === 0) return -1;
    const [row] = this.table.lookup(s);
    if (row !== undefined) return this.remember(s, row[1] as number);
    if (this.sketch.see(hashTerm(s, ID_SEED)) < 2) return -1;
    if (Atomics.load(this.ctl, this.nextIdWord) >= this.maxEntries) return -1;
    const id = Atomics.add(this.ctl, this.nextIdWord, 1);
    if (id >= this.maxEntries) return -1;
    // The id's row first: a record may name the id as soon as the string's row exists.
    this.table.insert([id, s]);
    if (this.table.insertNew([s, id])) return this.remember(s, id);
    // Another thread interned it meanwhile: use its id, drop ours.
    this.table.delete(id);
    return this.remember(s, this.table.lookup(s)[0]![1] as number);
  }

  stringOf(id: number): string {
    const s = this.strings[id];
    if (s !== undefined) return s;
    const [row] = this.table.lookup(id);
    if (row === undefined) throw new RangeError(`cold record: dictionary id ${id} is not in the dictionary`);
    this.strings[id] = row[1] as string;
    return row[1] as string;
  }

  /** JS heap this thread's caches hold (an estimate from string lengths: 2 bytes a unit plus 32 per entry, twice). */
  heapBytes(): number {
    let n = 0;
    for (const s of this.ids.keys()) n += 2 * s.length + 64;
    return n;
  }

  private remember(s: string, id: number): number {
    this.ids.set(s, id);
    this.strings[id] = s;
    return id;
  }
}
