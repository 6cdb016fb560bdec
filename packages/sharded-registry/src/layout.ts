/**
 * The registry's shared control block (an Int32Array over a
 * SharedArrayBuffer) and its stat counters (a Float64Array).
 *
 * Placement is read through an epoch: even while the shard count is stable
 * (readers use CUR), odd while a reshard moves names from PREV to NEXT
 * placement. WRITERS counts writers inside a write: a reshard waits for it to
 * drain after making the epoch odd, and writers back off while it is odd.
 */
export const MAGIC = 0x53524547; // 'SREG'
export const C_MAGIC = 0;
export const C_EPOCH = 1;
export const C_CUR = 2;
export const C_PREV = 3;
export const C_NEXT = 4;
export const C_WRITERS = 5;
export const C_NEXT_SLOT = 6;
export const C_MAX_SHARDS = 7;
/** The node's scheduler count when the registry was created: each shard has a process on each. */
export const C_SCHEDULERS = 8;
/** One word per table, bumped after every change to it: what thread-local lookup caches validate against. */
export const C_VERSIONS = 16;

/**
 * After the versions, one word per (shard, scheduler): the generation of the
 * shard's process on that scheduler, bumped by each incarnation as it starts
 * (after its name is registered, before it reads its table). A writer that
 * sees a generation it has not resolved looks the process up by name again.
 */
export function generationWord(maxShards: number, schedulers: number, shard: number, scheduler: number): number {
  return C_VERSIONS + maxShards + shard * schedulers + scheduler;
}

export function controlWords(maxShards: number, schedulers: number): number {
  return C_VERSIONS + maxShards + maxShards * schedulers;
}

/**
 * Stat counters: a slot per thread, each with (lookups, writes) per shard.
 * Only the owning thread writes a slot, so increments need no atomics; a
 * Float64 counts exactly up to 2^53. Readers sum the slots.
 */
export const MAX_SLOTS = 128;
export const COUNTERS_PER_SHARD = 2;

export function counterWords(maxShards: number): number {
  return MAX_SLOTS * maxShards * COUNTERS_PER_SHARD;
}
