/**
 * A stripe's record allocator: records are carved from chunks the stripe takes
 * from the table's arena, in 8-byte steps, with one LIFO free list per size.
 *
 * Why not one arena block per record: the arena rounds small blocks to powers
 * of two and takes its own (table-wide) mutex on every call. Records of
 * 60–80 bytes would waste a third of their block, and writers on different
 * stripes would serialise on the arena lock. Here the arena is asked only for
 * chunks (1 KiB growing to 64 KiB) and for records over 512 bytes, and all the
 * allocator's state is stripe state, guarded by the stripe's lock.
 *
 * Every store is ordered so that the chunk walk stays valid if the writer dies
 * between any two of them (a block header is written before the chunk top that
 * exposes it). Free lists and byte counts are derived data: `repair` rebuilds
 * them from the walk. Arena blocks (chunks, BIG records) are named by a word
 * from the moment the arena hands them out (see in-flight.ts).
 */
import {
  BIG,
  C_NEXT,
  C_SIZE,
  C_TOP,
  CHUNK_HEADER,
  CLASSES,
  FLAG_MASK,
  MAX_CHUNK,
  MAX_SMALL_RECORD,
  MIN_CHUNK,
  S_BUMP,
  S_CHUNK_BYTES,
  S_CHUNKS,
  S_FREE,
  S_FREE_HEADS,
  S_FRESH,
  USED,
} from './layout';
import type { TableMemory } from './memory';

const MIN_BLOCK = 16;
/** Word of a free block that links it to the next free block of its size. */
const FREE_NEXT = 1;

export class RecordHeap {
  constructor(
    private readonly ctl: Int32Array,
    private readonly base: number,
    private readonly mem: TableMemory,
  ) {}

  /**
   * A block of `size` bytes (a multiple of 8, at least 16) with USED (and BIG)
   * set; 0 when the table is full. A BIG block (its own arena block) is
   * recorded in `view[index]` as the arena hands it out; small blocks are not
   * (the chunk walk finds them).
   */
  alloc(size: number, view: Int32Array, index: number): number {
    if (size > MAX_SMALL_RECORD) {
      const off = this.mem.tryAllocInto(size, view, index);
      if (off === null) return 0;
      this.mem.i32[off >> 2] = size | USED | BIG;
      return off;
    }
    const ctl = this.ctl;
    const cls = classOf(size);
    const head = ctl[this.base + S_FREE_HEADS + cls]!;
    if (head !== 0) {
      const i32 = this.mem.i32;
      ctl[this.base + S_FREE_HEADS + cls] = i32[(head >> 2) + FREE_NEXT]!;
      ctl[this.base + S_FREE] -= size;
      i32[head >> 2] = size | USED;
      return head;
    }
    return this.bump(size) || this.split(size) || this.newChunk(size);
  }

  /** Frees a small block (a BIG one must be freed through the word that names it: `freeFrom`). */
  free(off: number): void {
    const w0 = this.mem.i32[off >> 2]!;
    if ((w0 & BIG) !== 0) throw new Error(`internal: BIG block ${off} freed without the word that names it`);
    this.push(off, w0 & ~FLAG_MASK);
  }

  /** Frees the block `view[index]` names and leaves `next` there (for a BIG block, in one arena step). */
  freeFrom(view: Int32Array, index: number, next = 0): void {
    const off = view[index]!;
    const w0 = this.mem.i32[off >> 2]!;
    if ((w0 & BIG) !== 0) {
      this.mem.freeFrom(view, index, next);
      return;
    }
    view[index] = next;
    this.push(off, w0 & ~FLAG_MASK);
  }

  /** Bytes inside chunks that hold no record: free blocks and the current chunk's unused tail. */
  get slackBytes(): number {
    const chunk = this.ctl[this.base + S_BUMP]!;
    const tail = chunk === 0 ? 0 : this.mem.i32[(chunk >> 2) + C_SIZE]! - this.mem.i32[(chunk >> 2) + C_TOP]!;
    return this.ctl[this.base + S_FREE]! + tail;
  }

  /** Bytes taken from the arena for chunks. */
  get chunkBytes(): number {
    return this.ctl[this.base + S_CHUNK_BYTES]!;
  }

  /** Calls `fn(chunk)` for each chunk; stops (returning false) at a malformed link. */
  forEachChunk(fn: (chunk: number, size: number, top: number) => void): boolean {
    const i32 = this.mem.i32;
    let seen = 0;
    for (let c = this.ctl[this.base + S_CHUNKS]!; c !== 0; c = i32[(c >> 2) + C_NEXT]!) {
      if (c < 0 || c % 8 !== 0 || c + CHUNK_HEADER > this.mem.length || ++seen > this.mem.length / MIN_CHUNK)
        return false;
      const size = i32[(c >> 2) + C_SIZE]!;
      const top = i32[(c >> 2) + C_TOP]!;
      if (size < CHUNK_HEADER || c + size > this.mem.length || top < CHUNK_HEADER || top > size) return false;
      fn(c, size, top);
    }
    return true;
  }

  /** Rebuilds the free lists from a chunk walk: every block not in `live` becomes free. */
  rebuild(live: Set<number>): void {
    const ctl = this.ctl;
    for (let c = 0; c < CLASSES; c++) ctl[this.base + S_FREE_HEADS + c] = 0;
    ctl[this.base + S_FREE] = 0;
    const i32 = this.mem.i32;
    let chunkBytes = 0;
    this.forEachChunk((chunk, size, top) => {
      chunkBytes += size;
      for (let b = chunk + CHUNK_HEADER; b < chunk + top;) {
        const blockSize = i32[b >> 2]! & ~FLAG_MASK;
        if (blockSize < MIN_BLOCK || b + blockSize > chunk + top) {
          // A torn tail cannot happen given the store order; treat anything past a bad header as unused.
          i32[(chunk >> 2) + C_TOP] = b - chunk;
          break;
        }
        if (live.has(b)) i32[b >> 2] = blockSize | (i32[b >> 2]! & FLAG_MASK) | USED;
        else this.push(b, blockSize);
        b += blockSize;
      }
    });
    ctl[this.base + S_CHUNK_BYTES] = chunkBytes;
  }

  /** Record offsets of every block a chunk walk finds (used or not). */
  blockStarts(): Set<number> {
    const starts = new Set<number>();
    const i32 = this.mem.i32;
    this.forEachChunk((chunk, _size, top) => {
      for (let b = chunk + CHUNK_HEADER; b < chunk + top;) {
        const blockSize = i32[b >> 2]! & ~FLAG_MASK;
        if (blockSize < MIN_BLOCK || b + blockSize > chunk + top) break;
        starts.add(b);
        b += blockSize;
      }
    });
    return starts;
  }

  private push(off: number, size: number): void {
    const i32 = this.mem.i32;
    const cls = classOf(size);
    i32[off >> 2] = size;
    i32[(off >> 2) + FREE_NEXT] = this.ctl[this.base + S_FREE_HEADS + cls]!;
    this.ctl[this.base + S_FREE_HEADS + cls] = off;
    this.ctl[this.base + S_FREE] += size;
  }

  private bump(size: number): number {
    const chunk = this.ctl[this.base + S_BUMP]!;
    if (chunk === 0) return 0;
    const i32 = this.mem.i32;
    const top = i32[(chunk >> 2) + C_TOP]!;
    if (top + size > i32[(chunk >> 2) + C_SIZE]!) return 0;
    const b = chunk + top;
    i32[b >> 2] = size | USED;
    i32[(chunk >> 2) + C_TOP] = top + size;
    return b;
  }

  /**
   * Takes a larger free block and returns its tail to the free list of its
   * size. Starts two classes up: a tail must be a block of its own (16 bytes or
   * more), since a record's block size must be exactly what it asked for.
   */
  private split(size: number): number {
    const ctl = this.ctl;
    for (let cls = classOf(size) + 2; cls < CLASSES; cls++) {
      const head = ctl[this.base + S_FREE_HEADS + cls]!;
      if (head === 0) continue;
      const i32 = this.mem.i32;
      const blockSize = i32[head >> 2]! & ~FLAG_MASK;
      ctl[this.base + S_FREE_HEADS + cls] = i32[(head >> 2) + FREE_NEXT]!;
      ctl[this.base + S_FREE] -= blockSize;
      // Tail header first: until the head shrinks, a walk skips over it.
      i32[(head + size) >> 2] = blockSize - size;
      i32[head >> 2] = size | USED;
      this.push(head + size, blockSize - size);
      return head;
    }
    return 0;
  }

  private newChunk(size: number): number {
    const ctl = this.ctl;
    const needed = size + CHUNK_HEADER;
    // Chunks double with the stripe's size, up to MAX_CHUNK; near the table's
    // limit, smaller ones are tried before giving up.
    let want = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, ctl[this.base + S_CHUNK_BYTES]!));
    let chunk: number | null = null;
    let usable = 0;
    for (;;) {
      const request = Math.max(want, needed);
      // Exact arena size classes: powers of two below 32 KiB, 64 KiB minus the arena's block header above.
      usable = request >= MAX_CHUNK ? MAX_CHUNK - 8 : pow2AtLeast(request);
      chunk = this.mem.tryAllocInto(usable, ctl, this.base + S_FRESH);
      if (chunk !== null) break;
      if (request <= needed || want <= MIN_CHUNK) return 0;
      want >>= 1;
    }
    const i32 = this.mem.i32;
    const old = ctl[this.base + S_BUMP]!;
    i32[(chunk >> 2) + C_NEXT] = ctl[this.base + S_CHUNKS]!;
    i32[(chunk >> 2) + C_SIZE] = usable;
    i32[(chunk >> 2) + C_TOP] = CHUNK_HEADER;
    i32[(chunk >> 2) + 3] = 0;
    ctl[this.base + S_CHUNKS] = chunk;
    ctl[this.base + S_FRESH] = 0; // linked: the chunk walk finds it now
    ctl[this.base + S_CHUNK_BYTES] += usable;
    if (old !== 0) {
      // The old chunk's tail (shorter than `size`, so within the size classes) becomes a free block.
      const top = i32[(old >> 2) + C_TOP]!;
      const rest = i32[(old >> 2) + C_SIZE]! - top;
      if (rest >= MIN_BLOCK) {
        i32[(old + top) >> 2] = rest;
        i32[(old >> 2) + C_TOP] = top + rest;
        this.push(old + top, rest);
      }
    }
    ctl[this.base + S_BUMP] = chunk;
    return this.bump(size);
  }
}

function classOf(size: number): number {
  return (size >> 3) - 2;
}

function pow2AtLeast(n: number): number {
  let p = MIN_CHUNK;
  while (p < n) p *= 2;
  return p;
}
