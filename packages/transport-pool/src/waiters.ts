import type { Pid } from '@erlmcp/otp';
import type { PooledConnection } from './connection';

/** A caller waiting for a connection; a node of an intrusive doubly linked list, so leaving is O(1). */
export interface Waiter<R> {
  resolve(conn: PooledConnection<R>): void;
  reject(error: Error): void;
  /** The waiting process, when a process called acquire(). */
  pid: Pid | undefined;
  /** Date.now() when it started waiting (its deadline is since + acquireTimeoutMs). */
  since: number;
  /** performance.now() when timed for the latency histogram, else -1. */
  timedFrom: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  prev: Waiter<R> | undefined;
  next: Waiter<R> | undefined;
  queued: boolean;
}

/** First come, first served; a waiter that gives up is unlinked at once. */
export class WaiterQueue<R> {
  private head: Waiter<R> | undefined;
  private tail: Waiter<R> | undefined;
  length = 0;

  push(w: Waiter<R>): void {
    w.queued = true;
    w.prev = this.tail;
    w.next = undefined;
    if (this.tail === undefined) this.head = w;
    else this.tail.next = w;
    this.tail = w;
    this.length++;
  }

  first(): Waiter<R> | undefined {
    return this.head;
  }

  shift(): Waiter<R> | undefined {
    const w = this.head;
    if (w !== undefined) this.remove(w);
    return w;
  }

  remove(w: Waiter<R>): void {
    if (!w.queued) return;
    w.queued = false;
    if (w.prev === undefined) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === undefined) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = undefined;
    this.length--;
  }

  /** Every waiter, oldest first (a copy: callers may remove while iterating). */
  toArray(): Waiter<R>[] {
    const all: Waiter<R>[] = [];
    for (let w = this.head; w !== undefined; w = w.next) all.push(w);
    return all;
  }
}
