/**
 * The consumer's side of a streamed request: an async iterator of row chunks
 * in order. The server pushes finished chunks; it computes ahead of what was
 * read by at most the stream's highWaterMark chunks, so a slow reader holds
 * the work back. Breaking out of the loop (return()), an AbortSignal, or the
 * owning process's exit cancels the request and frees its memory.
 */
import { AbortError, type AttentionError } from './errors';
import type { Dims } from './shape';

/** Rows of one batch entry, every head: data is (heads, rows, d). */
export interface RowChunk {
  batch: number;
  rowStart: number;
  rows: number;
  data: Float32Array;
}

/** Measured figures of one finished request. */
export interface RequestSummary {
  rows: number;
  /** Floating-point operations the kernels performed (4 x rows x keys visited x d per tile). */
  flops: number;
  /** From the request's start to its last row. */
  ms: number;
  /** From the request's start to its first chunk. */
  timeToFirstRowMs: number;
  /** Tiles computed again after a worker went down. */
  retriedTasks: number;
}

/** Where the server delivers a request's chunks. */
export interface Sink {
  deliver(chunk: RowChunk): void;
  finish(summary: RequestSummary): void;
  fail(error: AttentionError): void;
}

interface Waiter {
  resolve(result: IteratorResult<RowChunk>): void;
  reject(error: Error): void;
}

export class AttentionStream implements AsyncIterableIterator<RowChunk>, Sink {
  private readonly buffer: RowChunk[] = [];
  private waiter: Waiter | null = null;
  private ended = false;
  private error: Error | null = null;
  private resolveSummary!: (summary: RequestSummary) => void;
  private rejectSummary!: (error: Error) => void;
  /** Resolves with the request's measured figures once its last chunk is pushed; rejects as the stream does. */
  readonly summary: Promise<RequestSummary>;

  /** @internal */
  constructor(
    private readonly onRead: () => void,
    private readonly onCancel: (error: AttentionError) => void,
  ) {
    this.summary = new Promise((resolve, reject) => {
      this.resolveSummary = resolve;
      this.rejectSummary = reject;
    });
    this.summary.catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<RowChunk> {
    return this;
  }

  next(): Promise<IteratorResult<RowChunk>> {
    const chunk = this.buffer.shift();
    if (chunk !== undefined) {
      this.onRead();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.error !== null) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter !== null)
      return Promise.reject(new Error('next() called again before the previous next() settled'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The consumer stopped reading (a break out of for-await): the request is cancelled. */
  return(): Promise<IteratorResult<RowChunk>> {
    this.cancel(new AbortError('the stream was closed before its last row'));
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Cancels the request: buffered chunks are dropped and the server stops and frees its memory. */
  cancel(error: AttentionError = new AbortError()): void {
    if (this.ended || this.error !== null) return;
    this.buffer.length = 0;
    this.onCancel(error);
    this.fail(error);
  }

  /** Chunks pushed and not read yet. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** @internal */
  deliver(chunk: RowChunk): void {
    if (this.ended || this.error !== null) return;
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      this.onRead();
      waiter.resolve({ value: chunk, done: false });
    } else {
      this.buffer.push(chunk);
    }
  }

  /** @internal */
  finish(summary: RequestSummary): void {
    if (this.ended || this.error !== null) return;
    this.ended = true;
    this.resolveSummary(summary);
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.resolve({ value: undefined, done: true });
  }

  /** @internal */
  fail(error: AttentionError): void {
    if (this.ended || this.error !== null) return;
    this.error = error;
    this.buffer.length = 0;
    this.rejectSummary(error);
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.reject(error);
  }
}

/** Reads a stream to its end into one (batch, heads, queries, d) array. */
export async function collect(
  stream: AttentionStream,
  dims: Pick<Dims, 'batch' | 'heads' | 'queries' | 'd'>,
): Promise<Float32Array> {
  const { batch, heads, queries, d } = dims;
  const out = new Float32Array(batch * heads * queries * d);
  for await (const chunk of stream) place(out, chunk, heads, queries, d);
  return out;
}

function place(out: Float32Array, chunk: RowChunk, heads: number, queries: number, d: number): void {
  const span = chunk.rows * d;
  for (let h = 0; h < heads; h++)
    out.set(chunk.data.subarray(h * span, (h + 1) * span), ((chunk.batch * heads + h) * queries + chunk.rowStart) * d);
}
