/**
 * The items added in one synchronous run (a Chunk), and the few that need more
 * than their promise (an Entry).
 *
 * A chunk keeps its items in columns: the items, and each item's promise's
 * resolve and reject functions, index by index. A plain add() (no options, a
 * batcher without groups or size caps) allocates nothing of its own beyond its
 * promise: no object per item, and the sink's answer settles the columns in
 * bulk. A promise settles once whatever is called after, so a plain item needs
 * no flag of its own: only the batch that holds it settles it, or the handle
 * fails it when the process exits.
 *
 * An item with a signal or a flush, or one the process must size or group, also
 * gets an Entry at its index (the chunk's `entries` column, made on first use):
 * its settled flag (a cancelled item leaves its batch), its extra fields, and
 * the listener it removes when it settles. The chunk is the cast that carries
 * them all to the process: one message per run, not per item, and one clock
 * read for their arrival time.
 */

/** The process incarnation a chunk went to; when it exits, its unsettled items are failed. */
export interface Incarnation {
  /** Chunks with items still unsettled. */
  readonly chunks: Set<Chunk>;
}

export type Resolve = (value: unknown) => void;
export type Reject = (error: unknown) => void;

/**
 * One executor for every item's promise: it appends the settle functions to the columns of the
 * chunk promiseIn names in `into`. A closure per chunk instead made V8 keep dead chunks'
 * promises alive through young-generation collections and promote them (a scavenge took 100
 * to 230 ms, the CPU per item went up fivefold). `into` changes once per chunk, not per item:
 * an executor that left both functions in a long-lived object cost two old-to-new write
 * barriers per item (callgrind: about 100 instructions per item in RecordWrite).
 */
let into: Chunk | null = null;
function capture(resolve: Resolve, reject: Reject): void {
  const chunk = into!;
  // Stored by index into columns made at their size (see Chunk), not push(): TurboFan (Node 20)
  // left push() of these functions as calls to the Array.prototype.push builtin.
  const n = chunk.count;
  chunk.resolves[n] = resolve;
  chunk.rejects[n] = reject;
  chunk.count = n + 1;
}

/** A new item's promise, its resolve and reject stored at `chunk.count` (the caller stores the item there first). */
export function promiseIn<R>(chunk: Chunk): Promise<R> {
  if (into !== chunk) into = chunk;
  return new Promise<R>(capture as (resolve: (value: R) => void, reject: Reject) => void);
}

/**
 * The chunk takes no more items (it is being sent): its columns are cut to the items it got, and
 * the executor lets go of it, so it does not outlive its items.
 */
export function sealed(chunk: Chunk): void {
  if (into === chunk) into = null;
  const n = chunk.count;
  if (chunk.items.length !== n) chunk.items.length = chunk.resolves.length = chunk.rejects.length = n;
}

export class Chunk {
  /**
   * The columns, made at the size the handle expects the chunk to reach and cut to `count` when
   * the chunk is sent (sealed): growing three arrays from empty cost about 40 instructions per
   * item (callgrind, GrowFastSmiOrObjectElements).
   */
  readonly items: unknown[];
  readonly resolves: Resolve[];
  readonly rejects: Reject[];
  /** Items added; the columns' length once sealed. */
  count = 0;
  /** entries[i] for item i, or undefined for a plain item; null while every item is plain. */
  entries: (Entry | undefined)[] | null = null;
  /**
   * Items not settled yet; at 0 the chunk leaves its incarnation's set. Counted when the chunk
   * is sent (the items' count is added then), so add() does not count; an entry settled before
   * that takes itself off first.
   */
  pending = 0;
  incarnation: Incarnation | null = null;

  /**
   * `blank` is an array of holes at the size wanted, shared by the chunks of a batcher: each
   * column is a copy of it (a block copy by the `slice` builtin).
   */
  constructor(
    readonly at: number,
    blank: readonly unknown[],
  ) {
    this.items = blank.slice();
    this.resolves = blank.slice() as Resolve[];
    this.rejects = blank.slice() as Reject[];
  }

  /** Gives item i (the last one added) an Entry. */
  entryAt(i: number): Entry {
    let entries = this.entries;
    if (entries === null) {
      entries = this.entries = new Array<Entry | undefined>(this.count).fill(undefined);
    } else while (entries.length < this.count) entries.push(undefined);
    const entry = new Entry(this.items[i], this, this.resolves[i]!, this.rejects[i]!);
    entries[i] = entry;
    return entry;
  }

  /** Fails every item not settled yet (a settled promise ignores the call). */
  failAll(error: unknown): void {
    const entries = this.entries;
    const rejects = this.rejects;
    for (let i = 0; i < rejects.length; i++) {
      const e = entries === null ? undefined : entries[i];
      if (e !== undefined) e.reject(error);
      else rejects[i]!(error);
    }
  }
}

/**
 * A chunk that lives as long as the class: V8 builds a Chunk's hidden class by transitions from
 * the constructor's initial map, held only weakly, so a full GC at a moment when no chunk is
 * alive (a batcher between bursts) freed it, and with it every optimized function that had
 * embedded it (`--trace-deopt`: "weak objects", the whole add path after each full GC, at 2.5
 * times the CPU per item until it was optimized again). One instance keeps the map alive.
 */
export const CHUNK_SHAPE = new Chunk(performance.now(), []);

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
  // Set in the constructor, all of them, in one order: every Entry of one shape.
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

  /** Rejects the entry without its chunk's count (see settleInRun). */
  rejectInRun(error: unknown): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.extra !== undefined) this.dropListener();
    this.rejectFn(error);
    return true;
  }

  reject(error: unknown): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.extra !== undefined) this.dropListener();
    const chunk = this.chunk;
    if (--chunk.pending === 0) chunk.incarnation?.chunks.delete(chunk);
    this.rejectFn(error);
    return true;
  }

  private dropListener(): void {
    const extra = this.extra!;
    if (extra.onAbort !== undefined) {
      extra.signal!.removeEventListener('abort', extra.onAbort);
      extra.onAbort = undefined;
    }
  }
}
