/**
 * A growable ring-buffer FIFO. Mailboxes and run queues use it: shift() is
 * O(1) and, unlike Array#shift, never copies the rest of the queue.
 */
export class Queue<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private count = 0;

  /** `capacity` is rounded up to a power of two so indexing is a mask, not a division. */
  constructor(capacity = 8) {
    let cap = 8;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<T | undefined>(cap);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    const cap = this.buf.length;
    if (this.count === cap) this.grow(cap);
    this.buf[(this.head + this.count) & (this.buf.length - 1)] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.buf[(this.head + index) & (this.buf.length - 1)];
  }

  /** Removes the item at `index` (selective receive); later items keep their order. */
  removeAt(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    if (index === 0) return this.shift();
    const cap = this.buf.length;
    const item = this.buf[(this.head + index) & (cap - 1)];
    for (let i = index; i < this.count - 1; i++) {
      this.buf[(this.head + i) & (cap - 1)] = this.buf[(this.head + i + 1) & (cap - 1)];
    }
    this.buf[(this.head + this.count - 1) & (cap - 1)] = undefined;
    this.count--;
    return item;
  }

  clear(): void {
    this.buf = new Array<T | undefined>(8);
    this.head = 0;
    this.count = 0;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.buf[(this.head + i) & (this.buf.length - 1)] as T);
    return out;
  }

  private grow(cap: number): void {
    const next = new Array<T | undefined>(cap * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) & (cap - 1)];
    this.buf = next;
    this.head = 0;
  }
}
