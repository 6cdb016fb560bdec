/**
 * Fragmentation and compaction of shards.
 *
 * A shard's arena is a growable SharedArrayBuffer: it grows for records
 * that are later deleted, or replaced by their smaller cold form, and never
 * shrinks. Its free space is reused only by records whose sizes fit the
 * free blocks. `fragmentation()` reports, per shard, the bytes reserved and
 * in use, the free extents and the largest one. Compacting a shard copies
 * its live records (as they are: cold ones keep their references, so the
 * shared stores do not change) into a new table sized for them, and
 * switches every thread to it (shard-directory.ts): the old buffer goes
 * when the last thread drops it. Writers of that shard wait while it is
 * copied; readers do not (they read the old table until the switch).
 *
 * A compactor that dies part way leaves the old table in place and named
 * by the directory (the switch is one store, after the copy), so nothing is
 * lost; the half-filled new table was never named and goes with it.
 */
import { Ets, type Table } from '@erlmcp/ets';
import type { TableParts } from './parts';

const COPY_BATCH = 10_000;
/** Shards smaller than this are never worth compacting by the policy. */
export const MIN_COMPACT_BYTES = 1 << 20;

export interface ShardFragmentation {
  shard: number;
  /** Bytes reserved (the table's buffers as grown). */
  allocated: number;
  /** Bytes in use (records, indexes, control). */
  used: number;
  /** Bytes free for reuse without growing (free lists, chunk tails, the arena's tail). */
  free: number;
  /** Free blocks of the shard's arena, plus its untouched tail. */
  freeExtents: number;
  /** The largest of them, in bytes. */
  largestFreeBlock: number;
}

export interface CompactionReport {
  /** The shards compacted. */
  shards: number[];
  /** Bytes reserved by those shards before, and by their new tables after. */
  bytesBefore: number;
  bytesAfter: number;
  reclaimed: number;
  durationMs: number;
}

export function fragmentation(parts: TableParts): ShardFragmentation[] {
  return parts.shards.map((t, shard) => {
    const info = t.info();
    const f = t.arena.fragmentation();
    return {
      shard,
      allocated: info.capacity,
      used: info.memory,
      free: info.freeBytes,
      freeExtents: f.freeExtents,
      largestFreeBlock: f.largestFreeBlock,
    };
  });
}

/** Deletes the shard tables earlier compactions in this thread switched away from. */
export function dropRetired(parts: TableParts): void {
  for (const t of parts.retired.splice(0)) if (!t.deleted) Ets.delete(t);
}

/** Compacts `shards` (all by default); the caller must own the table (the new tables are its). */
export function compactShards(parts: TableParts, shards: readonly number[]): CompactionReport {
  const started = performance.now();
  dropRetired(parts);
  const report: CompactionReport = { shards: [], bytesBefore: 0, bytesAfter: 0, reclaimed: 0, durationMs: 0 };
  for (const s of shards) {
    parts.directory.exclusive(s, () => {
      const old = parts.shards[s]!;
      const info = old.info();
      const fresh = newShard(parts, s, info.memory);
      try {
        const recs = old.tab2list();
        for (let i = 0; i < recs.length; i += COPY_BATCH) fresh.insertMany(recs.slice(i, i + COPY_BATCH));
      } catch (error) {
        Ets.delete(fresh);
        throw error;
      }
      parts.directory.switchTo(s, fresh);
      parts.retired.push(old);
      report.shards.push(s);
      report.bytesBefore += info.capacity;
      report.bytesAfter += fresh.info().capacity;
    });
  }
  report.reclaimed = report.bytesBefore - report.bytesAfter;
  report.durationMs = performance.now() - started;
  return report;
}

/** The shards whose free share of their reserved bytes passes `threshold` (and that are big enough to bother). */
export function shardsToCompact(parts: TableParts, threshold: number): number[] {
  return fragmentation(parts)
    .filter((f) => f.allocated >= MIN_COMPACT_BYTES && (f.allocated - f.used) / f.allocated > threshold)
    .map((f) => f.shard);
}

function newShard(parts: TableParts, s: number, usedBytes: number): Table {
  const o = parts.options;
  const heir = o.heir === undefined ? {} : { heir: o.heir };
  // Room for what is live and a little growth; the arena doubles from there if needed.
  const initialBytes = Math.min(o.shardBytes, Math.ceil((usedBytes * 1.25) / 65536) * 65536);
  return Ets.new(`${parts.name}/shard-${s}`, {
    type: o.type,
    access: 'public',
    readConcurrency: true,
    writeConcurrency: true,
    maxBytes: o.shardBytes,
    initialBytes,
    ...heir,
  });
}
