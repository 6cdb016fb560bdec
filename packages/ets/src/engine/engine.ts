/**
 * A table's engine, assembled: the shared core, the reads (seqlock reads of a
 * key, scans, the ordered walk) and the writes (one key, batches) over the
 * publish primitives. The stripes' repair replays through the same
 * primitives a live writer uses.
 *
 *   Table (table.ts: API, access and argument checks)
 *     reads:  SeqlockReader (seqlock-read.ts), scan (scan.ts), edge/step (ordered-walk.ts)
 *     writes: KeyWrites (key-writes.ts), Batches (batch.ts)
 *               over Publisher (publish.ts)
 *     all over TableCore (core.ts): control words, arena views, stripes, codec
 */
import type { Arena, ThreadRegistry } from '@erlmcp/shm';
import type { Replayer } from '../repair';
import type { Tuple } from '../types';
import { Batches } from './batch';
import { TableCore } from './core';
import { KeyWrites } from './key-writes';
import { Publisher } from './publish';
import { SeqlockReader } from './seqlock-read';

/** @internal */
export interface TableEngine<T extends Tuple = Tuple> {
  readonly core: TableCore<T>;
  readonly reader: SeqlockReader<T>;
  readonly keyWrites: KeyWrites<T>;
  readonly batches: Batches<T>;
}

/** @internal Builds the engine of the table whose control buffer and arena these are. */
export function tableEngine<T extends Tuple>(
  control: SharedArrayBuffer,
  arena: Arena,
  name: string,
  registry: ThreadRegistry | undefined,
): TableEngine<T> {
  // The stripes need a replayer before the publisher (which needs the stripes) exists.
  // (The replayer's closures run only after `pub` below is initialised.)
  const replayer: Replayer = {
    publishPlanned: (stripe, rec, view, index) => pub.publishPlanned(stripe, rec, view, index),
    clearStripe: (stripe) => pub.clearStripe(stripe),
  };
  const core = new TableCore<T>(control, arena, name, registry, replayer);
  const pub = new Publisher(core);
  const reader = new SeqlockReader(core);
  const keyWrites = new KeyWrites(core, pub, reader);
  return { core, reader, keyWrites, batches: new Batches(core, pub, keyWrites) };
}
