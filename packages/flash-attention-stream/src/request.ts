/**
 * One request inside the AttentionServer: its job in the shared memory, the
 * tasks handed out and done, the chunks delivered and read, its sink.
 *
 * A streamed request hands its tasks out in row order ('rows'), each only
 * once its chunk is within `window` chunks of what the reader has read, which
 * bounds both the work done ahead and the chunks buffered. A request whose
 * whole output is wanted at once (`compute`) hands them out head by head
 * ('heads'): consecutive tiles of one head reuse its K and V from the cache,
 * about a fifth faster per core; its chunks all complete near the end.
 */
export type TaskOrder = 'rows' | 'heads';
import type { AttentionError } from './errors';
import { chunkCount, taskCount, type Job } from './job';
import type { RequestSummary, RowChunk, Sink } from './stream';

export class Request {
  readonly total: number;
  readonly chunks: number;
  /** The next task never handed out. */
  private next = 0;
  /** Tasks to run again (their worker went down and retries were allowed). */
  private readonly redo: number[] = [];
  /** task -> the scheduler running it. */
  readonly assigned = new Map<number, number>();
  private readonly headsDone: Uint16Array;
  /** The next chunk to deliver. */
  emitted = 0;
  /** Chunks the reader has taken. */
  read = 0;
  flops = 0;
  retried = 0;
  readonly started = performance.now();
  firstRowAt = -1;
  /** Set when the request was cancelled or failed: it waits for its running tasks, then frees its memory. */
  stopped: AttentionError | null = null;
  /** Key of the monitor on the process that owns the request, if any. */
  ownerMonitor: string | undefined;

  constructor(
    readonly job: Job,
    readonly sink: Sink,
    readonly window: number,
    public retriesLeft: number,
    readonly order: TaskOrder,
    /** Frees the request's memory; `completed` tells whether its output was delivered whole. */
    readonly release: (completed: boolean) => void,
  ) {
    this.total = taskCount(job);
    this.chunks = chunkCount(job);
    this.headsDone = new Uint16Array(this.chunks);
  }

  /** Up to `max` tasks allowed to start, in the order they are handed out (empty: none now). */
  takeMany(scheduler: number, max: number): number[] {
    const tasks: number[] = [];
    while (tasks.length < max) {
      const task = this.take(scheduler);
      if (task < 0) break;
      tasks.push(task);
    }
    return tasks;
  }

  /** Tasks not yet handed out (retries included). */
  get remaining(): number {
    return this.total - this.next + this.redo.length;
  }

  /** The next task allowed to start, or -1. */
  take(scheduler: number): number {
    if (this.stopped !== null) return -1;
    let task = this.redo.pop();
    if (task === undefined) {
      if (this.next >= this.total) return -1;
      if (this.order === 'heads') {
        const i = this.next++;
        task = (i % this.chunks) * this.job.heads + Math.floor(i / this.chunks);
      } else {
        if (Math.floor(this.next / this.job.heads) >= this.read + this.window) return -1;
        task = this.next++;
      }
    }
    this.assigned.set(task, scheduler);
    return task;
  }

  /** Tasks finished (`flops` between them): returns the chunks now complete, in order, for delivery. */
  complete(tasks: readonly number[], flops: number): number[] {
    for (const task of tasks) this.assigned.delete(task);
    if (this.stopped !== null) return [];
    this.flops += flops;
    for (const task of tasks) this.headsDone[Math.floor(task / this.job.heads)]!++;
    const ready: number[] = [];
    while (this.emitted < this.chunks && this.headsDone[this.emitted] === this.job.heads) ready.push(this.emitted++);
    return ready;
  }

  /** Tasks that were running on a scheduler whose worker went down. */
  lostOn(scheduler: number): number[] {
    const lost: number[] = [];
    for (const [task, k] of this.assigned) if (k === scheduler) lost.push(task);
    for (const task of lost) this.assigned.delete(task);
    return lost;
  }

  retry(tasks: number[]): void {
    this.redo.push(...tasks);
    this.retried += tasks.length;
  }

  get finished(): boolean {
    return this.emitted === this.chunks;
  }

  /** Running tasks still writing into the request's memory. */
  get running(): number {
    return this.assigned.size;
  }

  delivered(chunk: RowChunk): void {
    if (this.firstRowAt < 0) this.firstRowAt = performance.now();
    this.sink.deliver(chunk);
  }

  summary(): RequestSummary {
    const now = performance.now();
    return {
      rows: this.job.batch * this.job.queries,
      flops: this.flops,
      ms: now - this.started,
      timeToFirstRowMs: (this.firstRowAt < 0 ? now : this.firstRowAt) - this.started,
      retriedTasks: this.retried,
    };
  }
}
