/**
 * One maintenance pass over a table (the owner process runs them on a
 * timer; anyone may run one by hand):
 *
 * 1. the clock moves and read frequencies halve (access-stats.ts);
 * 2. from a sample of up to `SAMPLES` records (once the table holds
 *    `TRAIN_AFTER`): strings found in 2% of them join the string dictionary,
 *    and, with compression and no compression dictionary yet, one is trained;
 * 3. hot records not read for `demoteAfterPasses` passes, and read fewer
 *    than `promoteAfter` times lately, become cold (all of them with
 *    `demoteAll`); cold records compressed without the current dictionary
 *    are compressed again with it.
 *
 * Every change of a record is a compare-and-swap on its shard, so a write
 * by another thread meanwhile wins and the pass leaves that record alone.
 */
import { hashTerm, type Table } from '@erlmcp/ets';
import { DEMOTED } from './access-stats';
import { ColdCodec } from './cold-codec';
import type { CompactionReport } from './compaction';
import type { RepairReport } from './repair';
import type { TableParts } from './parts';
import { coldRecord, isCold, payloadOf, type Stored } from './stored';
import { chooseDictionary } from './train-dictionary';

const SAMPLES = 128;
const TRAIN_AFTER = 64;
/** A string is interned when it occurs in this share of the sampled records (and at least two). */
const INTERN_SHARE = 0.02;

export interface MaintenanceOptions {
  /** Demote every hot record, whatever its age (tests, benchmarks, before a snapshot of memory). */
  demoteAll?: boolean;
}

export interface MaintenanceReport {
  pass: number;
  demoted: number;
  recompressed: number;
  /** Strings added to the dictionary in this pass. */
  interned: number;
  /** The dictionary version trained in this pass, or 0. */
  trained: number;
  /** What the compaction policy did in this pass (the owner's passes only). */
  compaction?: CompactionReport;
  /** The reference audit run first, when a thread had died since the last one. */
  repaired?: RepairReport;
  durationMs: number;
}

export function maintain(parts: TableParts, shardSeed: number, options: MaintenanceOptions = {}): MaintenanceReport {
  const started = performance.now();
  const report: MaintenanceReport = { pass: 0, demoted: 0, recompressed: 0, interned: 0, trained: 0, durationMs: 0 };
  const stores = parts.stores;
  if (stores === null || parts.options.type === 'bag' || parts.options.type === 'duplicate_bag')
    return finish(report, started);
  const access = parts.access;
  if (access !== null) report.pass = access.nextPass();
  const codec = stores.cold;
  const compressor = stores.compressor;
  const kp = parts.options.keyPos - 1;
  const samples = sample(parts, codec, kp);
  if (stores.dictionary !== null && samples.length >= TRAIN_AFTER) {
    report.interned = stores.dictionary.train(samples, Math.max(2, Math.ceil(samples.length * INTERN_SHARE)));
  }
  if (
    compressor !== null &&
    compressor.version === 0 &&
    parts.options.compression!.dictionaryBytes > 0 &&
    samples.length >= TRAIN_AFTER
  ) {
    const dictionary = chooseDictionary(
      samples.map((p) => codec.sample(p)),
      parts.options.compression!.dictionaryBytes,
      parts.options.compression!.level,
    );
    if (dictionary.length > 0) report.trained = compressor.publish(dictionary);
  }
  const version = compressor?.version ?? 0;
  const hotCold = parts.options.hotCold;
  for (let s = 0; s < parts.shards.length; s++) {
    parts.directory.writing(s, () => {
      const shard = parts.shards[s]!;
      for (const rec of shard.tab2list() as Stored[]) {
        if (isCold(rec)) {
          if (
            version !== 0 &&
            ColdCodec.dictionaryVersion(rec[1]) !== version &&
            recode(shard, rec, codec.decode(rec[1]), codec)
          )
            report.recompressed++;
          continue;
        }
        if (hotCold === null) continue;
        const h = hashTerm(rec[0], shardSeed);
        const demote =
          options.demoteAll === true ||
          (access!.age(h) >= hotCold.demoteAfterPasses && access!.frequency(h) < hotCold.promoteAfter);
        if (demote && recode(shard, rec, payloadOf(rec, kp), codec)) {
          access!.cool(h);
          access!.count(DEMOTED);
          report.demoted++;
        }
      }
    });
  }
  return finish(report, started);
}

function finish(report: MaintenanceReport, started: number): MaintenanceReport {
  report.durationMs = performance.now() - started;
  return report;
}

/** Replaces `rec` by the cold form of `payload` if the shard still holds `rec`. */
function recode(shard: Table, rec: Stored, payload: unknown[], codec: ColdCodec): boolean {
  const bytes = codec.encode(payload);
  if (shard.replaceObject(rec, coldRecord(rec[0], bytes))) {
    if (isCold(rec)) codec.release(rec[1]);
    return true;
  }
  codec.release(bytes);
  return false;
}

/** Payloads (key slot null, fresh arrays) of up to SAMPLES records, taken evenly from the shards. */
function sample(parts: TableParts, codec: ColdCodec, kp: number): unknown[][] {
  const out: unknown[][] = [];
  const perShard = Math.ceil(SAMPLES / parts.shards.length);
  for (const shard of parts.shards) {
    for (const rec of shard.select(() => true, { limit: perShard }) as Stored[]) {
      out.push(isCold(rec) ? codec.decode(rec[1]) : payloadOf(rec, kp));
    }
  }
  return out;
}
