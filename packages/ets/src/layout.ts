/**
 * Word layout of a table's control buffer (a fixed SharedArrayBuffer) and of
 * the blocks it points to in the table's arena. Offsets are byte offsets into
 * the arena buffer; 0 means "none" (the arena header occupies offset 0).
 *
 * Control buffer: HEADER_WORDS of table header, then one STRIPE_WORDS block
 * per lock stripe (each on its own cache lines).
 *
 * Record block (in a chunk, or its own arena block when BIG):
 *   w0  size in bytes (multiple of 8) | USED | TUPLE | BIG
 *   w1  xxh32 of the key encoding
 *   w2  next record of the same key (bag chains) | padding bytes at the end (0..7)
 *   +12 key encoding, then the msgpack tuple
 * TUPLE: the tuple is stored whole (its key decodes lossily from the key
 * encoding, e.g. an object's property order); otherwise the key's slot holds
 * nil and the key is decoded from the key encoding.
 *
 * Chunk (arena block carved into records): [next chunk, usable size, top, 0],
 * records tile [16, top).
 *
 * Hash index block: [capacity, 0], then capacity slots of [hash, record];
 * linear probing, record 0 = empty.
 *
 * Order block (ordered_set): [capacity, count], then record offsets sorted by key.
 *
 * Plan block (a multi-object write's records on one stripe; a chunk block, or
 * its own arena block when BIG): [size | USED (| BIG), count], then count
 * record offsets (0 = none).
 */
export const MAGIC = 0x31535445; // 'ETS1'

// ---- table header (Int32 words) ----
export const H_MAGIC = 0;
export const H_TYPE = 1;
export const H_KEYPOS = 2;
export const H_ACCESS = 3;
export const H_FLAGS = 4;
export const H_STRIPES = 5;
export const H_DELETED = 6;
/** Owner pid as (node, id); id -1 means the node itself. Guarded by H_OWNER_SEQ (odd while changing). */
export const H_OWNER_NODE = 7;
export const H_OWNER_ID = 8;
export const H_OWNER_SEQ = 9;
export const H_MAX_BYTES = 11;
/** Id shared by every thread's view of the table (for names and messages). */
export const H_TABLE_ID = 12;
/** Per-thread read cache size (readCache option; 0 = off). */
export const H_READ_CACHE = 13;
/**
 * Bumped just before a stripe's S_CHANGES wraps back to 0 (every 2^32 changes), so
 * that a read cache entry stamped with (epoch, changes) never matches a later state.
 */
export const H_CACHE_EPOCH = 14;
export const HEADER_WORDS = 32;

export const F_READ_CONCURRENCY = 1;
export const F_WRITE_CONCURRENCY = 2;
export const F_NAMED = 4;

// ---- stripe block (Int32 words, relative to the stripe's base) ----
/** SeqLock: sequence, reader waiters, 2 spare, then its writer mutex (4 words). */
export const S_LOCK = 0;
export const S_INDEX = 8;
export const S_KEYS = 9;
export const S_OBJECTS = 10;
/** Bytes of record blocks referenced by the index. */
export const S_LIVE = 11;
/** Bytes of blocks on this stripe's free lists. */
export const S_FREE = 12;
export const S_CHUNKS = 13;
export const S_BUMP = 14;
export const S_ORDER = 15;
export const S_REPAIRS = 16;
/** Bytes of chunks this stripe holds (records, free blocks, unused tails). */
export const S_CHUNK_BYTES = 17;
// Words that let `repair` finish or undo what a dead writer was doing (0 when no write is in flight):
/** An arena block the writer has taken and not yet linked (chunk, index or order block, big record). */
export const S_FRESH = 18;
/** An arena block the writer has unlinked and not yet freed (the old index or order block). */
export const S_OLD = 19;
/** First record of a chain being unpublished and freed, when the chain holds a BIG record. */
export const S_DOOMED = 20;
/** This stripe's part in a multi-object write (see transaction.ts). */
export const S_TX = 21;
/** This stripe's plan in that write: a block listing the records to publish, or PLAN_CLEAR. */
export const S_PLAN = 22;
/** As the first stripe of a multi-object write: its sequence number, ... */
export const S_TX_SEQ = 23;
export const S_FREE_HEADS = 24;
/** Size classes: 16, 24, ..., MAX_SMALL_RECORD bytes. */
export const MAX_SMALL_RECORD = 512;
export const CLASSES = (MAX_SMALL_RECORD - 16) / 8 + 1;
/** ... the sequence number once committed (the commit is one store of it), ... */
export const S_TX_COMMIT = S_FREE_HEADS + CLASSES;
/** ... and the stripes taking part (a bit per stripe). */
export const S_TX_MEMBERS = S_TX_COMMIT + 1;
/**
 * Bumped (while the sequence is odd) by every write except one that only adds
 * keys absent before: what read caches validate a key's objects against.
 */
export const S_CHANGES = S_TX_MEMBERS + 1;
export const STRIPE_WORDS = 96;

// ---- records ----
export const R_SIZE = 0;
export const R_HASH = 1;
export const R_LINK = 2;
export const RECORD_HEADER = 12;
export const USED = 1;
export const TUPLE = 2;
export const BIG = 4;
export const FLAG_MASK = 7;

// ---- chunks ----
export const C_NEXT = 0;
export const C_SIZE = 1;
export const C_TOP = 2;
export const CHUNK_HEADER = 16;
export const MIN_CHUNK = 1024;
export const MAX_CHUNK = 64 * 1024;

// ---- plans ----
export const PLAN_HEADER_WORDS = 2;
/** S_PLAN of a stripe that a committed transaction empties (deleteAllObjects); never a block offset. */
export const PLAN_CLEAR = 1;

// ---- index and order blocks ----
export const INDEX_HEADER_WORDS = 2;
export const MIN_INDEX_CAPACITY = 8;
export const ORDER_HEADER_WORDS = 2;

export type TableType = 'set' | 'ordered_set' | 'bag' | 'duplicate_bag';
export type Access = 'public' | 'protected' | 'private';

export const TYPES: readonly TableType[] = ['set', 'ordered_set', 'bag', 'duplicate_bag'];
export const ACCESSES: readonly Access[] = ['public', 'protected', 'private'];

export function stripeBase(stripe: number): number {
  return HEADER_WORDS + stripe * STRIPE_WORDS;
}

export function controlWords(stripes: number): number {
  return HEADER_WORDS + stripes * STRIPE_WORDS;
}

export function align8(n: number): number {
  return (n + 7) & ~7;
}
