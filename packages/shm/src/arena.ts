// Past 400 lines on purpose: one allocator over one shared layout (the header, size classes
// and slab metadata described below); its allocation, free and dead-owner recovery paths
// all edit the same words under the same lock, so they stay in one class.
/**
 * A slab/arena allocator whose memory *and metadata* live in one growable
 * SharedArrayBuffer, so every thread that attaches the handle allocates from
 * and frees into the same heap. Offsets, not pointers, are handed out: a block
 * is `[offset, offset + usableSize(offset))` of `buffer`.
 *
 * Layout: a 128-byte header (magic, limits, bump pointer, stats, the guarding
 * mutex, free-list heads), then blocks laid end to end up to the bump pointer
 * `top`. Each block starts with an 8-byte header `[blockSize, tag]`.
 *
 * - Small requests (≤ 32 KiB) round up to a power-of-two payload (16 B .. 32 KiB)
 *   and use one LIFO free list per size class; freed small blocks are reused
 *   only by their class.
 * - Large requests round up to 1 KiB and use an address-ordered free list with
 *   first fit, splitting, coalescing of neighbours, and returning a free tail to
 *   the bump area.
 * - When the bump area is exhausted the buffer grows (doubling, within
 *   `maxBytes`); past that, `OutOfMemoryError`, with nothing modified.
 *
 * Because blocks tile the heap, the heap can be re-walked: when the guarding
 * mutex is recovered from a dead thread, the free lists and stats are rebuilt
 * from the block headers. Every mutation is ordered so that a walk stays valid
 * if a thread dies between any two stores.
 */
import { ArenaCorruptedError, InvalidFreeError, LayoutError, OutOfMemoryError } from './errors';
import { DEFAULT_RECOVER_AFTER_MS, DEFAULT_SPIN_TIMEOUT_MS } from './lock-options';
import { Mutex } from './mutex';
import { IS_MAIN_THREAD, createGrowableSab, growSab, isSharedArrayBuffer, maxByteLengthOf } from './platform';
import { ThreadRegistry, type ThreadRegistryHandle } from './thread-registry';

const MAGIC = 0x4152454e; // 'AREN'
const H_MAGIC = 0;
const H_MAX_BYTES = 1;
const H_HEAP_START = 2;
const H_TOP = 3;
const H_MUTEX = 4; // 4 words
const H_LIVE_BYTES = 8;
const H_LIVE_BLOCKS = 9;
const H_FREE_LIST_BYTES = 10;
const H_ALLOCS = 11;
const H_FREES = 12;
const H_GROWS = 13;
const H_REPAIRS = 14;
const H_FAILED = 15;
const H_SMALL_HEADS = 16; // SMALL_CLASSES words
const SMALL_CLASSES = 12;
const H_LARGE_HEAD = H_SMALL_HEADS + SMALL_CLASSES;
const HEADER_BYTES = 128;

const BLOCK_HEADER = 8;
const TAG_USED = 0x55534544; // 'USED'
const TAG_FREE = 0x46524545; // 'FREE'
const MIN_PAYLOAD = 16;
const MAX_SMALL_PAYLOAD = MIN_PAYLOAD << (SMALL_CLASSES - 1); // 32 KiB
const MAX_SMALL_BLOCK = MAX_SMALL_PAYLOAD + BLOCK_HEADER;
const LARGE_GRANULE = 1024;
/** Smallest large block; anything at or below MAX_SMALL_BLOCK is a small-class block. */
const MIN_LARGE_BLOCK = roundUp(MAX_SMALL_PAYLOAD + 1 + BLOCK_HEADER, LARGE_GRANULE);
const GROW_GRANULE = 64 * 1024;
/** Offsets and counters are Int32 words, so the heap stays below 2^30 bytes. */
export const ARENA_MAX_BYTES = 1 << 30;

export interface ArenaOptions {
  /** Hard limit the buffer may grow to. At most 1 GiB. */
  maxBytes: number;
  /** Initial buffer size. Default min(64 KiB, maxBytes). */
  initialBytes?: number;
  /** Enables recovery of the arena's lock from dead threads (and heap repair). */
  registry?: ThreadRegistry;
  recoverAfterMs?: number;
}

/** Plain object that postMessage can carry; `Arena.attach(handle)` in the receiving thread. */
export interface ArenaHandle {
  readonly kind: 'arena';
  readonly buffer: SharedArrayBuffer;
  readonly registry?: ThreadRegistryHandle;
  readonly recoverAfterMs: number;
}

/** `arena.fragmentation()`. */
export interface ArenaFragmentation {
  /** Free blocks on the lists, plus the untouched tail if any. */
  freeExtents: number;
  /** Payload bytes of the largest free extent (the largest allocation that fits without growing). */
  largestFreeBlock: number;
  /** Bytes between the top of the heap and the end of the buffer. */
  tailBytes: number;
  freeListBytes: number;
}

export interface ArenaStats {
  /** Current buffer size in bytes (grows, never shrinks). */
  capacity: number;
  maxBytes: number;
  /** Bytes of allocated blocks, block headers included. */
  liveBytes: number;
  liveBlocks: number;
  /** Bytes available without growing: blocks on free lists plus the untouched tail. */
  freeBytes: number;
  /** Part of `freeBytes` sitting on free lists. */
  freeListBytes: number;
  /** Arena header bytes; `liveBytes + freeBytes + metadataBytes === capacity`. */
  metadataBytes: number;
  allocations: number;
  frees: number;
  grows: number;
  failedAllocations: number;
  /** Heap rebuilds after recovering the lock from a dead thread. */
  repairs: number;
}

export class Arena {
  readonly buffer: SharedArrayBuffer;
  readonly maxBytes: number;
  /** The mutex guarding the arena's metadata (exposed for its recovery counters). */
  readonly lock: Mutex;
  /**
   * Fixed-length view over the whole buffer, replaced after any thread grows it.
   * (Length-tracking views follow growth by themselves but make every access
   * about three times slower in V8.)
   */
  private w: Int32Array;
  private readonly registry: ThreadRegistry | undefined;
  private readonly recoverAfterMs: number;

  static create(options: ArenaOptions): Arena {
    const maxBytes = roundDown(options.maxBytes, 8);
    if (
      !Number.isInteger(options.maxBytes) ||
      maxBytes < HEADER_BYTES + MIN_LARGE_BLOCK ||
      maxBytes > ARENA_MAX_BYTES
    ) {
      throw new RangeError(
        `arena: maxBytes must be an integer in ${HEADER_BYTES + MIN_LARGE_BLOCK}..${ARENA_MAX_BYTES}`,
      );
    }
    const initial = roundUp(Math.min(Math.max(options.initialBytes ?? GROW_GRANULE, HEADER_BYTES), maxBytes), 8);
    const buffer = createGrowableSab(Math.min(initial, maxBytes), maxBytes);
    const w = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    w[H_MAX_BYTES] = maxBytes;
    w[H_HEAP_START] = HEADER_BYTES;
    w[H_TOP] = HEADER_BYTES;
    Atomics.store(w, H_MAGIC, MAGIC);
    return new Arena(buffer, options.registry, options.recoverAfterMs ?? DEFAULT_RECOVER_AFTER_MS);
  }

  static attach(handle: ArenaHandle): Arena {
    return new Arena(
      handle.buffer,
      handle.registry ? ThreadRegistry.attach(handle.registry) : undefined,
      handle.recoverAfterMs,
    );
  }

  private constructor(buffer: SharedArrayBuffer, registry: ThreadRegistry | undefined, recoverAfterMs: number) {
    if (!isSharedArrayBuffer(buffer)) throw new LayoutError('arena: handle.buffer is not a SharedArrayBuffer');
    if (buffer.byteLength < HEADER_BYTES || Atomics.load(new Int32Array(buffer, 0, 1), 0) !== MAGIC) {
      throw new LayoutError('arena: buffer does not hold an arena');
    }
    this.buffer = buffer;
    this.w = new Int32Array(buffer, 0, buffer.byteLength >> 2);
    this.maxBytes = this.w[H_MAX_BYTES];
    if (maxByteLengthOf(buffer) < this.maxBytes)
      throw new LayoutError('arena: buffer cannot grow to its recorded maxBytes');
    this.registry = registry;
    this.recoverAfterMs = recoverAfterMs;
    this.lock = new Mutex(new Int32Array(buffer, 0, HEADER_BYTES >> 2), H_MUTEX, { registry, recoverAfterMs });
  }

  handle(): ArenaHandle {
    return {
      kind: 'arena',
      buffer: this.buffer,
      registry: this.registry?.handle(),
      recoverAfterMs: this.recoverAfterMs,
    };
  }

  /**
   * Allocates at least `size` bytes and returns the byte offset of the block
   * (8-byte aligned) in `buffer`. Contents are not zeroed. Throws
   * OutOfMemoryError when the request cannot be met within `maxBytes`.
   */
  alloc(size: number): number {
    const offset = this.tryAlloc(size);
    if (offset === null) throw new OutOfMemoryError(size, this.maxBytes);
    return offset;
  }

  /** Like `alloc`, but returns null instead of throwing when out of memory. */
  tryAlloc(size: number): number | null {
    return this.allocate(size, null, 0);
  }

  /**
   * `tryAlloc`, and the block's offset stored into `view[index]` (any Int32Array
   * over shared memory) inside the arena's critical section, with no call
   * between taking the block and the store: a thread that dies during the call
   * leaves the block either free or recorded in `view[index]`, never allocated
   * and unrecorded. `view[index]` is untouched when the arena is full.
   */
  tryAllocInto(size: number, view: Int32Array, index: number): number | null {
    checkSlot('tryAllocInto', view, index);
    return this.allocate(size, view, index);
  }

  private allocate(size: number, view: Int32Array | null, index: number): number | null {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`arena: invalid allocation size ${size}`);
    const blockSize = blockSizeFor(size);
    if (blockSize > this.maxBytes - HEADER_BYTES) {
      Atomics.add(this.w, H_FAILED, 1);
      return null;
    }
    return this.locked(() => {
      const b = this.allocBlock(blockSize);
      if (b < 0) {
        Atomics.add(this.w, H_FAILED, 1);
        return null;
      }
      if (view !== null) view[index] = b + BLOCK_HEADER;
      this.w[H_LIVE_BYTES] += this.sizeOf(b);
      this.w[H_LIVE_BLOCKS] += 1;
      this.w[H_ALLOCS] += 1;
      return b + BLOCK_HEADER;
    });
  }

  /** Returns a block to the arena. Throws InvalidFreeError for offsets that are not live blocks. */
  free(offset: number): void {
    this.release(null, 0, offset, 0);
  }

  /**
   * Frees the block whose offset is in `view[index]` and stores `next` there,
   * inside the critical section and with no call between that store and the
   * block turning free: a thread that dies during the call leaves either the
   * block live and still recorded, or the block free and `view[index]` past it.
   * So a word that owns a block frees it exactly once, even when callers retry
   * after a death.
   */
  freeFrom(view: Int32Array, index: number, next = 0): void {
    checkSlot('freeFrom', view, index);
    this.release(view, index, 0, next);
  }

  private release(view: Int32Array | null, index: number, offset: number, next: number): void {
    this.locked(() => {
      const b = this.liveBlockAt(view === null ? offset : view[index]!);
      const size = this.sizeOf(b);
      if (view !== null) view[index] = next;
      // Tag first: if we die after this store, a heap walk treats the block as free.
      this.w[(b >> 2) + 1] = TAG_FREE;
      this.w[H_LIVE_BYTES] -= size;
      this.w[H_LIVE_BLOCKS] -= 1;
      this.w[H_FREES] += 1;
      if (size <= MAX_SMALL_BLOCK) this.pushSmall(b, classOf(size));
      else this.freeLarge(b, size);
    });
  }

  /** Usable bytes of the live block at `offset` (at least what was requested). */
  usableSize(offset: number): number {
    return this.locked(() => this.sizeOf(this.liveBlockAt(offset)) - BLOCK_HEADER);
  }

  /** A Uint8Array over `length` bytes at `offset` (default: the whole block). */
  bytes(offset: number, length?: number): Uint8Array {
    const len = length ?? this.usableSize(offset);
    return new Uint8Array(this.buffer, offset, len);
  }

  stats(): ArenaStats {
    return this.locked(() => {
      const capacity = this.buffer.byteLength;
      const freeListBytes = this.w[H_FREE_LIST_BYTES];
      return {
        capacity,
        maxBytes: this.maxBytes,
        liveBytes: this.w[H_LIVE_BYTES],
        liveBlocks: this.w[H_LIVE_BLOCKS],
        freeBytes: freeListBytes + (capacity - this.w[H_TOP]),
        freeListBytes,
        metadataBytes: HEADER_BYTES,
        allocations: this.w[H_ALLOCS] >>> 0,
        frees: this.w[H_FREES] >>> 0,
        grows: this.w[H_GROWS],
        failedAllocations: Atomics.load(this.w, H_FAILED) >>> 0,
        repairs: this.w[H_REPAIRS],
      };
    });
  }

  /**
   * How the free space lies: the free blocks (each a free extent; adjacent
   * small blocks are not merged, as the allocator does not merge them) and
   * the untouched tail, and the largest of them, which bounds the largest
   * allocation that needs no growth. O(free blocks), under the arena's lock.
   */
  fragmentation(): ArenaFragmentation {
    return this.locked(() => {
      let freeExtents = 0;
      let largestFreeBlock = 0;
      const visit = (b: number): void => {
        freeExtents++;
        largestFreeBlock = Math.max(largestFreeBlock, this.sizeOf(b) - BLOCK_HEADER);
      };
      for (let c = 0; c < SMALL_CLASSES; c++)
        for (let b = this.w[H_SMALL_HEADS + c]; b !== 0; b = this.nextOf(b)) visit(b);
      for (let b = this.w[H_LARGE_HEAD]; b !== 0; b = this.nextOf(b)) visit(b);
      const tailBytes = this.buffer.byteLength - this.w[H_TOP];
      if (tailBytes > BLOCK_HEADER) {
        freeExtents++;
        largestFreeBlock = Math.max(largestFreeBlock, tailBytes - BLOCK_HEADER);
      }
      return { freeExtents, largestFreeBlock, tailBytes, freeListBytes: this.w[H_FREE_LIST_BYTES] };
    });
  }

  /**
   * Walks the heap and cross-checks block headers, free lists and stats.
   * Throws ArenaCorruptedError on the first inconsistency. O(heap); for tests
   * and diagnostics.
   */
  check(): void {
    this.locked(() => {
      const walk = this.walk();
      if (walk.usedBytes !== this.w[H_LIVE_BYTES])
        throw new ArenaCorruptedError(`liveBytes ${this.w[H_LIVE_BYTES]} != walked ${walk.usedBytes}`);
      if (walk.usedBlocks !== this.w[H_LIVE_BLOCKS])
        throw new ArenaCorruptedError(`liveBlocks ${this.w[H_LIVE_BLOCKS]} != walked ${walk.usedBlocks}`);
      if (walk.freeBytes !== this.w[H_FREE_LIST_BYTES])
        throw new ArenaCorruptedError(`freeListBytes ${this.w[H_FREE_LIST_BYTES]} != walked ${walk.freeBytes}`);
      const listed = new Set<number>();
      for (let c = 0; c < SMALL_CLASSES; c++) {
        for (let b = this.w[H_SMALL_HEADS + c]; b !== 0; b = this.nextOf(b)) {
          if (!walk.freeBlocks.has(b) || listed.has(b))
            throw new ArenaCorruptedError(`class ${c} list holds ${b}, not a free block (or listed twice)`);
          if (this.sizeOf(b) !== MIN_PAYLOAD * 2 ** c + BLOCK_HEADER)
            throw new ArenaCorruptedError(`block ${b} on the wrong class list`);
          listed.add(b);
        }
      }
      let prevEnd = 0;
      for (let b = this.w[H_LARGE_HEAD]; b !== 0; b = this.nextOf(b)) {
        if (!walk.freeBlocks.has(b) || listed.has(b))
          throw new ArenaCorruptedError(`large list holds ${b}, not a free block (or listed twice)`);
        if (b < prevEnd) throw new ArenaCorruptedError('large free list is not address-ordered');
        if (b === prevEnd) throw new ArenaCorruptedError(`adjacent large free blocks at ${b} were not coalesced`);
        prevEnd = b + this.sizeOf(b);
        listed.add(b);
      }
      if (prevEnd !== 0 && prevEnd === this.w[H_TOP]) throw new ArenaCorruptedError('a free large block ends at top');
      if (listed.size !== walk.freeBlocks.size)
        throw new ArenaCorruptedError(`${walk.freeBlocks.size - listed.size} free blocks are on no list`);
    });
  }

  // ---- allocation paths (lock held) ------------------------------------------

  private allocBlock(blockSize: number): number {
    if (blockSize <= MAX_SMALL_BLOCK) {
      const c = classOf(blockSize);
      const head = this.w[H_SMALL_HEADS + c];
      if (head !== 0) {
        this.w[H_SMALL_HEADS + c] = this.nextOf(head);
        this.w[H_FREE_LIST_BYTES] -= blockSize;
        this.w[(head >> 2) + 1] = TAG_USED;
        return head;
      }
      const bumped = this.bump(blockSize);
      return bumped >= 0 ? bumped : this.takeLarge(blockSize);
    }
    const fit = this.takeLarge(blockSize);
    return fit >= 0 ? fit : this.bump(blockSize);
  }

  /** Carves from the untouched tail, growing the buffer if needed. */
  private bump(blockSize: number): number {
    const top = this.w[H_TOP];
    const end = top + blockSize;
    if (end > this.maxBytes) return -1;
    if (end > this.buffer.byteLength) {
      const target = Math.min(this.maxBytes, roundUp(Math.max(end, this.buffer.byteLength * 2), GROW_GRANULE));
      growSab(this.buffer, target);
      this.refreshView();
      this.w[H_GROWS] += 1;
    }
    // Header before top: a walk never reaches a block whose header is unwritten.
    this.w[top >> 2] = blockSize;
    this.w[(top >> 2) + 1] = TAG_USED;
    this.w[H_TOP] = end;
    return top;
  }

  /** First fit on the large list; splits off the tail when the rest is still a large block. */
  private takeLarge(blockSize: number): number {
    let prev = 0;
    for (let b = this.w[H_LARGE_HEAD]; b !== 0; prev = b, b = this.nextOf(b)) {
      const size = this.sizeOf(b);
      if (size < blockSize) continue;
      if (size - blockSize >= MIN_LARGE_BLOCK) {
        const tail = b + size - blockSize;
        this.w[tail >> 2] = blockSize;
        this.w[(tail >> 2) + 1] = TAG_USED;
        this.w[b >> 2] = size - blockSize; // the free block shrinks in place and keeps its list position
        this.w[H_FREE_LIST_BYTES] -= blockSize;
        return tail;
      }
      this.setNext(prev, this.nextOf(b));
      this.w[(b >> 2) + 1] = TAG_USED;
      this.w[H_FREE_LIST_BYTES] -= size;
      return b;
    }
    return -1;
  }

  // ---- free paths (lock held) -------------------------------------------------

  private pushSmall(b: number, c: number): void {
    this.w[(b >> 2) + 2] = this.w[H_SMALL_HEADS + c];
    this.w[H_SMALL_HEADS + c] = b;
    this.w[H_FREE_LIST_BYTES] += this.sizeOf(b);
  }

  private freeLarge(b: number, size: number): void {
    if (b + size === this.w[H_TOP]) {
      this.w[H_TOP] = b;
      this.trimTop();
      return;
    }
    let prev = 0;
    let next = this.w[H_LARGE_HEAD];
    while (next !== 0 && next < b) {
      prev = next;
      next = this.nextOf(next);
    }
    this.w[H_FREE_LIST_BYTES] += size;
    let start = b;
    if (prev !== 0 && prev + this.sizeOf(prev) === b) {
      this.w[prev >> 2] = this.sizeOf(prev) + size; // absorbed into the previous free block
      start = prev;
    } else {
      this.w[(b >> 2) + 2] = next;
      this.setNext(prev, b);
    }
    if (next !== 0 && start + this.sizeOf(start) === next) {
      const after = this.nextOf(next);
      this.w[start >> 2] = this.sizeOf(start) + this.sizeOf(next);
      this.w[(start >> 2) + 2] = after;
    }
  }

  /** Returns free large blocks that now end at `top` to the bump area. */
  private trimTop(): void {
    for (;;) {
      let prev = 0;
      let last = this.w[H_LARGE_HEAD];
      if (last === 0) return;
      while (this.nextOf(last) !== 0) {
        prev = last;
        last = this.nextOf(last);
      }
      const size = this.sizeOf(last);
      if (last + size !== this.w[H_TOP]) return;
      this.setNext(prev, 0);
      this.w[H_FREE_LIST_BYTES] -= size;
      this.w[H_TOP] = last;
    }
  }

  // ---- recovery ---------------------------------------------------------------

  private walk(): { usedBytes: number; usedBlocks: number; freeBytes: number; freeBlocks: Set<number> } {
    const top = this.w[H_TOP];
    const start = this.w[H_HEAP_START];
    if (top < start || top > this.buffer.byteLength || top % 8 !== 0)
      throw new ArenaCorruptedError(`top ${top} is out of range`);
    let usedBytes = 0;
    let usedBlocks = 0;
    let freeBytes = 0;
    const freeBlocks = new Set<number>();
    for (let b = start; b < top;) {
      const size = this.w[b >> 2];
      const tag = this.w[(b >> 2) + 1];
      if (size < MIN_PAYLOAD + BLOCK_HEADER || size % 8 !== 0 || b + size > top)
        throw new ArenaCorruptedError(`block at ${b} has invalid size ${size}`);
      if (size <= MAX_SMALL_BLOCK && classOf(size) < 0)
        throw new ArenaCorruptedError(`block at ${b} has non-class size ${size}`);
      if (tag === TAG_USED) {
        usedBytes += size;
        usedBlocks++;
      } else if (tag === TAG_FREE) {
        freeBytes += size;
        freeBlocks.add(b);
      } else {
        throw new ArenaCorruptedError(`block at ${b} has invalid tag ${tag}`);
      }
      b += size;
    }
    return { usedBytes, usedBlocks, freeBytes, freeBlocks };
  }

  /** Rebuilds free lists and stats from the block headers (after a holder died). */
  private repair(): void {
    const top = this.w[H_TOP];
    for (let c = 0; c < SMALL_CLASSES; c++) this.w[H_SMALL_HEADS + c] = 0;
    this.w[H_LARGE_HEAD] = 0;
    this.walk(); // validates before anything is rewritten
    let usedBytes = 0;
    let usedBlocks = 0;
    let freeBytes = 0;
    let lastLarge = 0;
    for (let b = this.w[H_HEAP_START]; b < top;) {
      let size = this.sizeOf(b);
      if (this.w[(b >> 2) + 1] === TAG_USED) {
        usedBytes += size;
        usedBlocks++;
      } else if (size <= MAX_SMALL_BLOCK) {
        this.pushSmall(b, classOf(size));
        freeBytes += size;
      } else {
        // Merge following free large blocks so the rebuilt list is fully coalesced.
        for (
          let n = b + size;
          n < top && this.w[(n >> 2) + 1] === TAG_FREE && this.sizeOf(n) > MAX_SMALL_BLOCK;
          n = b + size
        ) {
          size += this.sizeOf(n);
          this.w[b >> 2] = size;
        }
        this.w[(b >> 2) + 2] = 0;
        this.setNext(lastLarge, b);
        lastLarge = b;
        freeBytes += size;
      }
      b += size;
    }
    this.w[H_LIVE_BYTES] = usedBytes;
    this.w[H_LIVE_BLOCKS] = usedBlocks;
    this.w[H_FREE_LIST_BYTES] = freeBytes;
    this.trimTop();
    this.w[H_REPAIRS] += 1;
  }

  // ---- helpers ----------------------------------------------------------------

  private locked<T>(fn: () => T): T {
    // Arena operations are short: spin on the main thread, block in workers.
    if (IS_MAIN_THREAD) this.lock.lockSpin(DEFAULT_SPIN_TIMEOUT_MS);
    else this.lock.lock();
    try {
      this.refreshView();
      if (this.lock.inconsistent) {
        this.repair();
        this.lock.markConsistent();
      }
      return fn();
    } finally {
      this.lock.unlock();
    }
  }

  /** Another thread may have grown the buffer since we last looked (checked under the lock). */
  private refreshView(): void {
    if (this.w.length << 2 !== this.buffer.byteLength)
      this.w = new Int32Array(this.buffer, 0, this.buffer.byteLength >> 2);
  }

  private liveBlockAt(offset: number): number {
    if (!Number.isInteger(offset) || offset % 8 !== 0)
      throw new InvalidFreeError(offset, 'not an 8-byte aligned integer offset');
    const b = offset - BLOCK_HEADER;
    if (b < this.w[H_HEAP_START] || b >= this.w[H_TOP])
      throw new InvalidFreeError(offset, 'outside the allocated heap');
    if (this.w[(b >> 2) + 1] !== TAG_USED) throw new InvalidFreeError(offset, 'not a live block (double free?)');
    const size = this.sizeOf(b);
    if (size < MIN_PAYLOAD + BLOCK_HEADER || b + size > this.w[H_TOP])
      throw new InvalidFreeError(offset, 'block header is damaged');
    return b;
  }

  private sizeOf(b: number): number {
    return this.w[b >> 2];
  }

  private nextOf(b: number): number {
    return this.w[(b >> 2) + 2];
  }

  /** Links `b` after `prev` in the large list (prev 0 = list head). */
  private setNext(prev: number, b: number): void {
    if (prev === 0) this.w[H_LARGE_HEAD] = b;
    else this.w[(prev >> 2) + 2] = b;
  }
}

function checkSlot(what: string, view: Int32Array, index: number): void {
  if (!(view instanceof Int32Array) || !isSharedArrayBuffer(view.buffer))
    throw new LayoutError(`arena.${what}: the view must be an Int32Array over shared memory`);
  if (!Number.isInteger(index) || index < 0 || index >= view.length)
    throw new LayoutError(`arena.${what}: index ${index} is outside the view`);
}

/** Block size (header included) that serves a request of `size` bytes. */
function blockSizeFor(size: number): number {
  if (size <= MAX_SMALL_PAYLOAD) {
    let payload = MIN_PAYLOAD;
    while (payload < size) payload *= 2;
    return payload + BLOCK_HEADER;
  }
  return roundUp(size + BLOCK_HEADER, LARGE_GRANULE);
}

/** Size class of a small block size, or -1 if it is not one. */
function classOf(blockSize: number): number {
  const payload = blockSize - BLOCK_HEADER;
  for (let c = 0, p = MIN_PAYLOAD; c < SMALL_CLASSES; c++, p *= 2) if (p === payload) return c;
  return -1;
}

function roundUp(n: number, granule: number): number {
  return Math.ceil(n / granule) * granule;
}

function roundDown(n: number, granule: number): number {
  return Math.floor(n / granule) * granule;
}
