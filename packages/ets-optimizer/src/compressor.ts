/**
 * Compression of cold bodies: raw deflate (zlib, built into Node) with a
 * preset dictionary trained on the table's own records (train-dictionary.ts).
 * Dictionaries are versioned and immutable: a record names the version it
 * was compressed with, every version stays in the `<name>/zdict` table
 * (`[version, bytes]` rows, readable by every thread, cached per thread),
 * and a retrain adds a version rather than changing one. Version 0 is no
 * dictionary. The README says why deflate, measured against the others.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Table } from '@erlmcp/ets';
import type { CacheCount } from './cache-count';

export class Compressor {
  private readonly dictionaries = new Map<number, Buffer>();

  constructor(
    readonly table: Table,
    private readonly ctl: Int32Array,
    private readonly versionWord: number,
    readonly level: number,
  ) {}

  /** The dictionary version new records are compressed with (0: none yet). */
  get version(): number {
    return Atomics.load(this.ctl, this.versionWord);
  }

  /** Deflated `raw` with the current dictionary, or null when that would not save a byte. */
  compress(raw: Uint8Array): { version: number; bytes: Uint8Array } | null {
    const version = this.version;
    const dictionary = version === 0 ? undefined : this.dictionary(version);
    const bytes = deflateRawSync(
      raw,
      dictionary === undefined ? { level: this.level } : { level: this.level, dictionary },
    );
    return bytes.length + 1 < raw.length ? { version, bytes } : null;
  }

  decompress(bytes: Uint8Array, version: number): Buffer {
    const dictionary = version === 0 ? undefined : this.dictionary(version);
    return inflateRawSync(bytes, dictionary === undefined ? {} : { dictionary });
  }

  /** Publishes a new dictionary; records compressed from now on use it. Returns its version. */
  publish(dictionary: Uint8Array): number {
    // The next version word follows the current one.
    const version = Atomics.add(this.ctl, this.versionWord + 1, 1) + 1;
    this.table.insert([version, Buffer.from(dictionary)]);
    Atomics.store(this.ctl, this.versionWord, version);
    return version;
  }

  /** Bytes of every dictionary version held. */
  dictionaryBytes(): number {
    let n = 0;
    for (const [, d] of this.table.tab2list()) n += (d as Uint8Array).length;
    return n;
  }

  /** What this thread's cache of compression dictionaries holds: dictionaries and their bytes. */
  cached(): CacheCount {
    let binaryBytes = 0;
    for (const d of this.dictionaries.values()) binaryBytes += d.byteLength;
    return { entries: this.dictionaries.size, stringUnits: 0, binaryBytes };
  }

  private dictionary(version: number): Buffer {
    let d = this.dictionaries.get(version);
    if (d === undefined) {
      const [row] = this.table.lookup(version);
      if (row === undefined) throw new RangeError(`cold record: compression dictionary ${version} is missing`);
      d = Buffer.from(row[1] as Uint8Array);
      this.dictionaries.set(version, d);
    }
    return d;
  }
}
