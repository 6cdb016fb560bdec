/**
 * What kind of message a mailbox entry is. The tag rides beside the message
 * in the mailbox, so a cast or a call needs no envelope object: a million
 * queued casts are a million payloads, not a million wrappers for the GC.
 */
export const enum Tag {
  /** A plain message (send, EXIT, DOWN): handleInfo's. */
  Info = 0,
  Cast = 1,
  /** The payload is the From of a call. */
  Call = 2,
  /** Runtime-internal: init, stop, inactivity timeouts, a body to start. */
  System = 3,
}

/**
 * Slots of a full-size ring, and of each overflow chunk (two slots a message). The ring
 * doubles up to this size; a burst beyond it goes to chunks of this size, which become the
 * ring in turn as it empties. A backlog of a million messages then costs no copy and no
 * array of millions of slots: growing one by doubling copied every message twice and asked
 * the OS for fresh pages each time (29% of a scheduler thread's time in the
 * message_throughput benchmark, where a sink's backlog reached a million).
 */
const CHUNK = 2048;

/**
 * A FIFO of (tag, message) pairs: a ring buffer (capacity a power of two) for the oldest
 * messages, and overflow chunks, filled from slot 0, for what came after the ring was full.
 */
export class Mailbox {
  private buf: unknown[] = new Array<unknown>(16);
  /** Index of the head pair's tag slot. */
  private head = 0;
  /** Messages in the ring. */
  private count = 0;
  /** Full-size chunks after the ring, oldest first; the last is filled up to `tailFill` slots. */
  private chunks: unknown[][] | null = null;
  private tailFill = 0;
  /** Messages in the chunks. */
  private overflow = 0;
  /** A chunk-size buffer kept for the next overflow: the ring the last swap replaced. */
  private spare: unknown[] | null = null;

  get length(): number {
    return this.count + this.overflow;
  }

  push(tag: Tag, message: unknown): void {
    if (this.chunks !== null) return this.pushOverflow(tag, message);
    let cap = this.buf.length;
    if (this.count * 2 === cap) {
      if (cap >= CHUNK) return this.pushOverflow(tag, message);
      this.resize(cap * 2);
      cap = this.buf.length;
    }
    const i = (this.head + this.count * 2) & (cap - 1);
    this.buf[i] = tag;
    this.buf[i + 1] = message;
    this.count++;
  }

  /** The tag of the head message; read it before shift(). */
  headTag(): Tag {
    return this.buf[this.head] as Tag;
  }

  shift(): unknown {
    if (this.count === 0) return undefined;
    const i = this.head;
    const message = this.buf[i + 1];
    this.buf[i + 1] = undefined;
    this.head = (i + 2) & (this.buf.length - 1);
    if (--this.count === 0 && this.chunks !== null) this.nextChunk();
    return message;
  }

  tagAt(index: number): Tag {
    if (index < 0 || index >= this.count + this.overflow) return undefined as unknown as Tag;
    if (index < this.count) return this.buf[(this.head + index * 2) & (this.buf.length - 1)] as Tag;
    const k = (index - this.count) * 2;
    return this.chunks![(k / CHUNK) | 0]![k & (CHUNK - 1)] as Tag;
  }

  at(index: number): unknown {
    if (index < 0 || index >= this.count + this.overflow) return undefined;
    if (index < this.count) return this.buf[((this.head + index * 2) & (this.buf.length - 1)) + 1];
    const k = (index - this.count) * 2;
    return this.chunks![(k / CHUNK) | 0]![(k & (CHUNK - 1)) + 1];
  }

  /** Removes the message at `index` (selective receive); later ones keep their order. */
  removeAt(index: number): unknown {
    const length = this.count + this.overflow;
    if (index < 0 || index >= length) return undefined;
    if (index === 0) return this.shift();
    const message = this.at(index);
    for (let k = index; k < length - 1; k++) this.set(k, this.tagAt(k + 1), this.at(k + 1));
    this.dropLast();
    return message;
  }

  /** Slots held: the ring, the chunks and the spare (two per message queued). */
  get capacity(): number {
    return (
      this.buf.length + (this.chunks === null ? 0 : this.chunks.length * CHUNK) + (this.spare === null ? 0 : CHUNK)
    );
  }

  /**
   * Shrinks the ring to the smallest power of two that holds what is queued (16 slots at
   * least), in place: a scheduler mid-run keeps this same Mailbox. For hibernation. With
   * chunks in use, the storage already follows the backlog: only the spare goes.
   */
  compact(): void {
    this.spare = null;
    if (this.chunks !== null) return;
    let cap = 16;
    while (cap < this.count * 2 + 2) cap *= 2;
    if (cap < this.buf.length) this.resize(cap);
  }

  private pushOverflow(tag: Tag, message: unknown): void {
    let chunks = this.chunks;
    if (chunks === null || this.tailFill === CHUNK) {
      const chunk = this.spare ?? new Array<unknown>(CHUNK);
      this.spare = null;
      if (chunks === null) chunks = this.chunks = [chunk];
      else chunks.push(chunk);
      this.tailFill = 0;
    }
    const tail = chunks[chunks.length - 1]!;
    tail[this.tailFill] = tag;
    tail[this.tailFill + 1] = message;
    this.tailFill += 2;
    this.overflow++;
  }

  /** The ring is empty: the oldest chunk becomes the ring, and the old ring the spare. */
  private nextChunk(): void {
    const chunks = this.chunks!;
    if (this.buf.length === CHUNK) this.spare = this.buf;
    this.buf = chunks.shift()!;
    this.head = 0;
    if (chunks.length === 0) {
      this.count = this.tailFill / 2;
      this.chunks = null;
      this.tailFill = 0;
    } else {
      this.count = CHUNK / 2;
    }
    this.overflow -= this.count;
  }

  private set(index: number, tag: Tag, message: unknown): void {
    let array: unknown[];
    let i: number;
    if (index < this.count) {
      array = this.buf;
      i = (this.head + index * 2) & (this.buf.length - 1);
    } else {
      const k = (index - this.count) * 2;
      array = this.chunks![(k / CHUNK) | 0]!;
      i = k & (CHUNK - 1);
    }
    array[i] = tag;
    array[i + 1] = message;
  }

  /** Forgets the newest message (its slots already copied down by removeAt). */
  private dropLast(): void {
    if (this.chunks === null) {
      this.buf[((this.head + (this.count - 1) * 2) & (this.buf.length - 1)) + 1] = undefined;
      this.count--;
      return;
    }
    const chunks = this.chunks;
    this.tailFill -= 2;
    chunks[chunks.length - 1]![this.tailFill + 1] = undefined;
    this.overflow--;
    if (this.tailFill === 0) {
      this.spare = chunks.pop()!;
      this.tailFill = CHUNK;
      if (chunks.length === 0) {
        this.chunks = null;
        this.tailFill = 0;
      }
    }
  }

  private resize(size: number): void {
    const cap = this.buf.length;
    const next = new Array<unknown>(size);
    for (let k = 0; k < this.count * 2; k++) next[k] = this.buf[(this.head + k) & (cap - 1)];
    this.buf = next;
    this.head = 0;
  }
}
