/**
 * The shared stores of the cold form, each reachable from every thread:
 *
 *   <name>/dict    the dictionary of small strings (dictionary.ts)
 *   <name>/dedup   the store of large strings and binaries (dedup-store.ts)
 *   <name>/zdict   the trained compression dictionaries (compressor.ts)
 *
 * and a control SharedArrayBuffer: counter words and the store's "seen
 * twice" sketch.
 */
import { Ets, type Table, type TableHandle, type TableType } from '@erlmcp/ets';
import { ColdCodec } from './cold-codec';
import { Compressor } from './compressor';
import { DedupStore } from './dedup-store';
import { Dictionary } from './dictionary';
import type { ResolvedOptions } from './options';
import { SeenSketch } from './sketch';

const W_DICT_NEXT = 0;
const W_ZDICT_VERSION = 1; // and W_ZDICT_VERSION + 1: the next version
const HEADER_BYTES = 64;
const CONTROL_BYTES = HEADER_BYTES + SeenSketch.bytes;
const STORE_BYTES = 1 << 30;

export interface StoresHandle {
  readonly control: SharedArrayBuffer;
  readonly dict: TableHandle | null;
  readonly dedup: TableHandle | null;
  readonly zdict: TableHandle | null;
}

export class Stores {
  readonly cold: ColdCodec;
  readonly dictionary: Dictionary | null;
  readonly dedup: DedupStore | null;
  readonly compressor: Compressor | null;

  constructor(
    readonly control: SharedArrayBuffer,
    private readonly dictTable: Table | null,
    private readonly dedupTable: Table | null,
    private readonly zdictTable: Table | null,
    options: ResolvedOptions,
  ) {
    const ctl = new Int32Array(control, 0, HEADER_BYTES / 4);
    this.dictionary =
      dictTable === null
        ? null
        : new Dictionary(dictTable, ctl, W_DICT_NEXT, options.dedup!.internMaxLength, options.dedup!.maxDictionary);
    this.dedup =
      dedupTable === null
        ? null
        : new DedupStore(dedupTable, new SeenSketch(control, HEADER_BYTES), options.dedup!.minBytes);
    this.compressor =
      zdictTable === null ? null : new Compressor(zdictTable, ctl, W_ZDICT_VERSION, options.compression!.level);
    this.cold = new ColdCodec(this.dictionary, this.dedup, this.compressor);
  }

  tables(): Table[] {
    return [this.dictTable, this.dedupTable, this.zdictTable].filter((t): t is Table => t !== null);
  }

  handle(): StoresHandle {
    return {
      control: this.control,
      dict: this.dictTable?.handle() ?? null,
      dedup: this.dedupTable?.handle() ?? null,
      zdict: this.zdictTable?.handle() ?? null,
    };
  }
}

/** Null when the table has no cold form (no dedup, no compression). */
export function createStores(
  name: string,
  options: ResolvedOptions,
  make: (name: string, type: TableType, maxBytes: number) => Table,
): Stores | null {
  if (options.dedup === null && options.compression === null) return null;
  const dict = options.dedup === null ? null : make(`${name}/dict`, 'set', STORE_BYTES);
  const dedup = options.dedup === null ? null : make(`${name}/dedup`, 'set', STORE_BYTES);
  const zdict = options.compression === null ? null : make(`${name}/zdict`, 'set', 16 << 20);
  return new Stores(new SharedArrayBuffer(CONTROL_BYTES), dict, dedup, zdict, options);
}

export function attachStores(_name: string, options: ResolvedOptions, handle: StoresHandle): Stores {
  const at = (h: TableHandle | null): Table | null => (h === null ? null : Ets.attach(h));
  return new Stores(handle.control, at(handle.dict), at(handle.dedup), at(handle.zdict), options);
}
