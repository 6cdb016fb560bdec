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

/** A FIFO of (tag, message) pairs in one ring buffer; capacity is a power of two. */
export class Mailbox {
  private buf: unknown[] = new Array<unknown>(16);
  /** Index of the head pair's tag slot. */
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(tag: Tag, message: unknown): void {
    let cap = this.buf.length;
    if (this.count * 2 === cap) {
      this.grow(cap);
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
    this.count--;
    return message;
  }

  tagAt(index: number): Tag {
    return this.buf[(this.head + index * 2) & (this.buf.length - 1)] as Tag;
  }

  at(index: number): unknown {
    if (index < 0 || index >= this.count) return undefined;
    return this.buf[((this.head + index * 2) & (this.buf.length - 1)) + 1];
  }

  /** Removes the message at `index` (selective receive); later ones keep their order. */
  removeAt(index: number): unknown {
    if (index < 0 || index >= this.count) return undefined;
    if (index === 0) return this.shift();
    const mask = this.buf.length - 1;
    const message = this.at(index);
    for (let k = index; k < this.count - 1; k++) {
      const to = (this.head + k * 2) & mask;
      const from = (this.head + (k + 1) * 2) & mask;
      this.buf[to] = this.buf[from];
      this.buf[to + 1] = this.buf[from + 1];
    }
    const last = (this.head + (this.count - 1) * 2) & mask;
    this.buf[last + 1] = undefined;
    this.count--;
    return message;
  }

  /** Slots in the ring buffer (two per message); it grows with a burst and only compact() shrinks it. */
  get capacity(): number {
    return this.buf.length;
  }

  /**
   * Shrinks the buffer to the smallest power of two that holds what is queued (16 slots at
   * least), in place: a scheduler mid-run keeps this same Mailbox. For hibernation.
   */
  compact(): void {
    let cap = 16;
    while (cap < this.count * 2 + 2) cap *= 2;
    if (cap < this.buf.length) this.resize(cap);
  }

  private grow(cap: number): void {
    this.resize(cap * 2);
  }

  private resize(size: number): void {
    const cap = this.buf.length;
    const next = new Array<unknown>(size);
    for (let k = 0; k < this.count * 2; k++) next[k] = this.buf[(this.head + k) & (cap - 1)];
    this.buf = next;
    this.head = 0;
  }
}
