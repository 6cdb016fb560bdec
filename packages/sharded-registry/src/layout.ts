/**
 * The registry's shared control block (an Int32Array over a
 * SharedArrayBuffer) and its stat counters (a Float64Array).
 *
 * Placement is read through an epoch: even while the shard count is stable
 * (readers use CUR), odd while a reshard moves names from PREV to NEXT
 * placement. Each attached thread counts its writers inside a write in a word
 * of its own (writerWord): a reshard waits for all of them to drain after
 * making the epoch odd, and writers back off while it is odd.
 *
 * Words that every write changes (a table's version, a thread's writers) sit
 * on 64-byte lines of their own, apart from the words every operation reads
 * (the epoch, the shard count): writers on different threads then do not
 * take each other's cache lines on every registration.
 */
export const MAGIC = 0x53524547; // 'SREG'
export const C_MAGIC = 0;
export const C_EPOCH = 1;
export const C_CUR = 2;
export const C_PREV = 3;
export const C_NEXT = 4;
export const C_NEXT_SLOT = 6;
export const C_MAX_SHARDS = 7;
/** The node's scheduler count when the registry was created: each shard has a process on each. */
export const C_SCHEDULERS = 8;
/** Threads that may be attached to one registry at once: each has a counter slot and a writers word (slots.ts). */
export const MAX_SLOTS = 128;
/** Int32 words in a 64-byte cache line. */
const LINE = 16;
const C_VERSIONS = LINE;

/**
 * Table `shard`'s version, bumped after every change that removes or moves a
 * row: what thread-local lookup caches validate against. Adding a name leaves
 * it alone: caches hold names found, never misses, so no cached answer can be
 * stale for a name that was not there.
 */
export function versionWord(shard: number): number {
  return C_VERSIONS + shard * LINE;
}

function generationsBase(maxShards: number): number {
  return C_VERSIONS + maxShards * LINE;
}

/**
 * One word per (shard, scheduler): the generation of the shard's process on
 * that scheduler, bumped by each incarnation as it starts (after its name is
 * registered, before it reads its table). A writer that sees a generation it
 * has not resolved looks the process up by name again.
 */
export function generationWord(maxShards: number, schedulers: number, shard: number, scheduler: number): number {
  return generationsBase(maxShards) + shard * schedulers + scheduler;
}

function writersBase(maxShards: number, schedulers: number): number {
  return Math.ceil((generationsBase(maxShards) + maxShards * schedulers) / LINE) * LINE;
}

/** The writers inside a write on the thread with counter slot `slot`. */
export function writerWord(maxShards: number, schedulers: number, slot: number): number {
  return writersBase(maxShards, schedulers) + slot * LINE;
}

/** After a writers word (on its line): that thread's threadId + 1, so a reshard can skip a thread that died inside a write. */
export const WRITER_THREAD = 1;

export function controlWords(maxShards: number, schedulers: number): number {
  return writersBase(maxShards, schedulers) + MAX_SLOTS * LINE;
}

/**
 * Stat counters: a slot per thread, each with (table lookups, writes, lookups answered by the
 * thread's cache) per shard.
 * Only the owning thread writes a slot, so increments need no atomics; a
 * Float64 counts exactly up to 2^53. Readers sum the slots.
 */
export const COUNTERS_PER_SHARD = 3;

export function counterWords(maxShards: number): number {
  return MAX_SLOTS * maxShards * COUNTERS_PER_SHARD;
}
