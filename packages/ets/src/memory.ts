/**
 * One thread's views of a table's arena. The arena's buffer is a growable
 * SharedArrayBuffer; views here are fixed-length (length-tracking views are
 * several times slower in V8), so they are replaced when any thread has grown
 * the buffer. Readers that meet an offset past their view call `refresh()` and
 * retry.
 */
import { Arena, OutOfMemoryError } from '@erlmcp/shm';

export class TableMemory {
  u8: Uint8Array;
  i32: Int32Array;
  /** The same bytes as a Buffer (for its native string decoders). */
  buf: Buffer;
  /** Byte length the views cover. */
  length: number;

  constructor(readonly arena: Arena) {
    this.length = arena.buffer.byteLength;
    this.u8 = new Uint8Array(arena.buffer, 0, this.length);
    this.i32 = new Int32Array(arena.buffer, 0, this.length >> 2);
    this.buf = Buffer.from(arena.buffer, 0, this.length);
  }

  /** Re-creates the views if the buffer grew. Returns true if it did. */
  refresh(): boolean {
    const length = this.arena.buffer.byteLength;
    if (length === this.length) return false;
    this.length = length;
    this.u8 = new Uint8Array(this.arena.buffer, 0, length);
    this.i32 = new Int32Array(this.arena.buffer, 0, length >> 2);
    this.buf = Buffer.from(this.arena.buffer, 0, length);
    return true;
  }

  /** Allocates `size` bytes of arena memory; null when the table is at its maximum. */
  tryAlloc(size: number): number | null {
    let offset: number | null;
    try {
      offset = this.arena.tryAlloc(size);
    } catch (error) {
      if (error instanceof OutOfMemoryError) return null;
      throw error;
    }
    if (offset !== null && offset + size > this.length) this.refresh();
    return offset;
  }

  /**
   * `tryAlloc` that records the block in `view[index]` as the arena hands it
   * out, so a writer that dies right after still leaves it findable.
   */
  tryAllocInto(size: number, view: Int32Array, index: number): number | null {
    let offset: number | null;
    try {
      offset = this.arena.tryAllocInto(size, view, index);
    } catch (error) {
      if (error instanceof OutOfMemoryError) return null;
      throw error;
    }
    if (offset !== null && offset + size > this.length) this.refresh();
    return offset;
  }

  free(offset: number): void {
    this.arena.free(offset);
  }

  /** Frees the block `view[index]` names and stores `next` there, as one step a dying writer cannot split. */
  freeFrom(view: Int32Array, index: number, next = 0): void {
    this.arena.freeFrom(view, index, next);
  }
}
