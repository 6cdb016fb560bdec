/**
 * The shared memory the kernels run in: one shared WebAssembly.Memory (its
 * buffer a SharedArrayBuffer), imported by every thread's kernel instance, so
 * Q, K, V, the KV caches and O are read and written in place by whichever
 * thread runs a tile. Regions are handed out by a first-fit allocator whose
 * bookkeeping stays on the owning thread (only the AttentionServer
 * allocates; other threads only read and write regions they are given).
 *
 * A WebAssembly memory grows and never shrinks; freed regions are reused, so
 * the footprint is the peak of what was live at once.
 */
import { LimitError } from './errors';

const PAGE = 65536;
const ALIGN = 64;

interface Block {
  start: number;
  end: number;
}

export interface MemoryStats {
  /** Bytes the memory has (its current size). */
  capacity: number;
  /** Bytes in live regions. */
  live: number;
  /** The most bytes live at once. */
  peak: number;
}

export class SharedMemory {
  readonly memory: WebAssembly.Memory;
  /** Free blocks, by address, coalesced. */
  private readonly free: Block[] = [];
  private readonly sizes = new Map<number, number>();
  private top: number;
  private live = 0;
  private peak = 0;
  private readonly maxBytes: number;

  constructor(options: { initialBytes?: number; maxBytes: number }) {
    this.maxBytes = Math.min(Math.floor(options.maxBytes / PAGE), 65536) * PAGE;
    const initial = Math.max(2, Math.ceil((options.initialBytes ?? 2 * PAGE) / PAGE));
    if (initial * PAGE > this.maxBytes)
      throw new LimitError(`initial memory ${initial * PAGE} bytes is past maxMemoryBytes ${this.maxBytes}`);
    this.memory = new WebAssembly.Memory({ initial, maximum: this.maxBytes / PAGE, shared: true });
    // The first page stays unused: offset 0 means "none" to the kernels.
    this.top = PAGE;
  }

  get buffer(): SharedArrayBuffer {
    return this.memory.buffer as SharedArrayBuffer;
  }

  /** A region of at least `bytes`, 64-byte aligned, zero or stale contents. Grows the memory if needed. */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let at = -1;
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.end - block.start < size) continue;
      at = block.start;
      if (block.end - block.start === size) this.free.splice(i, 1);
      else block.start += size;
      break;
    }
    if (at < 0) {
      const end = this.top + size;
      if (end > this.maxBytes)
        throw new LimitError(`the attention memory would need ${end} bytes, past maxMemoryBytes ${this.maxBytes}`);
      const have = this.memory.buffer.byteLength;
      if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
      at = this.top;
      this.top = end;
    }
    this.sizes.set(at, size);
    this.live += size;
    if (this.live > this.peak) this.peak = this.live;
    return at;
  }

  /** Returns a region to the allocator. Freeing an offset that is not live is a bug, and throws. */
  release(offset: number): void {
    const size = this.sizes.get(offset);
    if (size === undefined) throw new RangeError(`offset ${offset} is not a live region`);
    this.sizes.delete(offset);
    this.live -= size;
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < offset) i++;
    this.free.splice(i, 0, { start: offset, end: offset + size });
    // Coalesce with the neighbours, and give a free tail back to the bump area.
    if (i + 1 < this.free.length && this.free[i]!.end === this.free[i + 1]!.start) {
      this.free[i]!.end = this.free[i + 1]!.end;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1]!.end === this.free[i]!.start) {
      this.free[i - 1]!.end = this.free[i]!.end;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last !== undefined && last.end === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  /** A Float32Array over `count` floats at `offset` (a view of the shared memory, not a copy). */
  f32(offset: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, count);
  }

  stats(): MemoryStats {
    return { capacity: this.memory.buffer.byteLength, live: this.live, peak: this.peak };
  }
}
