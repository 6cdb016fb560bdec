/**
 * One `add` and the chunk it travels in.
 *
 * An Entry is the caller's side of a call: it holds the promise's settle
 * functions and settles at most once, whoever gets there first (the batcher
 * process with the sink's answer, the caller's signal, or the handle when the
 * process exits). A Chunk is the cast that carries the entries added in one
 * synchronous run to the process, so the hot path pays one message per run,
 * not per item; it also stamps their arrival time with one clock read.
 */

/** The process incarnation a chunk went to; when it exits, its unsettled entries are failed. */
export interface Incarnation {
  /** Chunks with entries still unsettled. */
  readonly chunks: Set<Chunk>;
}

export class Chunk {
  readonly entries: Entry[] = [];
  /** entries[i].item, kept beside them so a batch can take a whole chunk's items without a loop. */
  readonly items: unknown[] = [];
  /** No entry with a signal: the process may take the chunk whole. */
  plain = true;
  /** Entries not settled yet; at 0 the chunk leaves its incarnation's set. */
  pending = 0;
  incarnation: Incarnation | null = null;
  constructor(readonly at: number) {}
}

/** Where an entry is, on the process side. */
export interface EntryBatch {
  readonly started: boolean;
}

/** What only some entries need (a signal, a size): kept apart so the common entry stays small. */
export interface EntryExtra {
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Set by the process for an entry that may be cancelled: the batch holding it. */
  batch: EntryBatch | null;
  bytes: number;
  tokens: number;
  /** Its batch leaves as soon as it holds this entry (AddOptions.flush). */
  flush: boolean;
}

export class Entry<I = unknown, R = unknown> {
  // Set in the constructor, all of them, in one order: one Entry per add(), all of one shape.
  declare done: boolean;
  declare resolveFn: (value: R) => void;
  declare rejectFn: (error: unknown) => void;
  declare extra: EntryExtra | undefined;
  declare readonly item: I;
  declare readonly chunk: Chunk;

  constructor(item: I, chunk: Chunk, resolve: (value: R) => void, reject: (error: unknown) => void) {
    this.done = false;
    this.resolveFn = resolve;
    this.rejectFn = reject;
    this.extra = undefined;
    this.item = item;
    this.chunk = chunk;
  }

  /** The extra fields, made on first use. */
  more(): EntryExtra {
    return (this.extra ??= { signal: undefined, onAbort: undefined, batch: null, bytes: 0, tokens: 0, flush: false });
  }

  resolve(value: R): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.extra !== undefined) this.dropListener();
    const chunk = this.chunk;
    if (--chunk.pending === 0) chunk.incarnation?.chunks.delete(chunk);
    this.resolveFn(value);
    return true;
  }

  /**
   * Settles the entry (an Error rejects) without its chunk's count: for a caller that settles
   * a whole run of one chunk and takes the count off once (Batch.settleAll).
   */
  settleInRun(value: unknown): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.extra !== undefined) this.dropListener();
    if (value instanceof Error) this.rejectFn(value);
    else this.resolveFn(value as R);
    return true;
  }

  reject(error: unknown): boolean {
    if (this.done) return false;
    this.finish();
    this.rejectFn(error);
    return true;
  }

  private finish(): void {
    this.done = true;
    if (this.extra !== undefined) this.dropListener();
    const chunk = this.chunk;
    if (--chunk.pending === 0) chunk.incarnation?.chunks.delete(chunk);
  }

  private dropListener(): void {
    const extra = this.extra!;
    if (extra.onAbort !== undefined) {
      extra.signal!.removeEventListener('abort', extra.onAbort);
      extra.onAbort = undefined;
    }
  }
}
