/**
 * A batch: open while it gathers items, then ready (closed, waiting for a
 * sink slot), then started (at the sink), then done. It is also the sink's
 * `ctx`; its AbortController is made only if the sink reads `ctx.signal`.
 *
 * It keeps its items in the columns a chunk has (entry.ts): the items array the
 * sink gets, and each item's resolve and reject, built as items arrive (a batch
 * that takes a whole chunk adopts its arrays). Their arrival is kept as runs
 * (one per chunk), so starting a batch walks no list unless an entry that may
 * be cancelled is in it, and settling takes each chunk's count down per run.
 */
import type { Chunk, Entry, EntryBatch, Reject, Resolve } from './entry';
import type { GroupKey, ItemId, SinkContext, TokenUsage } from './options';

const NONE: never[] = [];

/** Where a batch records its items' added wait (EfficiencyStats). */
export interface WaitRecorder {
  recordWait(ms: number, count: number): void;
}

export class Batch implements EntryBatch, SinkContext {
  // Empty until the first item: a batch that takes a whole chunk adopts the chunk's columns.
  items: unknown[] = NONE;
  private resolves: Resolve[] = NONE;
  private rejects: Reject[] = NONE;
  /** entries[i] for item i when any of its items has an Entry (else null): see entry.ts. */
  private entries: (Entry | undefined)[] | null = null;
  /** Arrival runs: items runCounts[i] came in chunk runChunks[i]. */
  private runChunks: Chunk[] = NONE;
  private runCounts: number[] = NONE;
  /** Entries with a signal (they may be settled before the batch starts). */
  cancellable = 0;
  bytes = 0;
  tokens = 0;
  closed = false;
  started = false;
  done = false;
  startedAt = 0;
  /** When the sink's time is up. */
  timeoutAt = Infinity;
  usage: TokenUsage | undefined = undefined;
  /** The sink's outcome, set by its promise's callbacks before the batch is posted back. */
  answer: unknown = undefined;
  error: unknown = undefined;
  failed = false;
  private controller: AbortController | undefined = undefined;
  private idList: ItemId[] | undefined = undefined;
  /** True while the columns are a chunk's own arrays. */
  private adopted = false;

  constructor(
    readonly batch: number,
    readonly group: GroupKey,
    readonly openedAt: number,
    /** When the window closes. */
    readonly deadline: number,
    /** Items at which the batch is ripe (adaptive); the hard cap for the other strategies. */
    readonly target: number,
    private readonly idOf: ((item: unknown) => ItemId) | undefined,
  ) {}

  /**
   * Lets go of what a finished batch holds (items, settle functions, arrival runs, the answer),
   * so that the state can keep it as a shape keeper (batcher-state.ts) at no cost. Its fields
   * change value, not kind, so its hidden class stays the one live batches have.
   */
  release(): void {
    this.items = NONE;
    this.resolves = NONE;
    this.rejects = NONE;
    this.entries = null;
    this.runChunks = NONE;
    this.runCounts = NONE;
    this.answer = undefined;
    this.error = undefined;
    this.usage = undefined;
    this.idList = undefined;
  }

  get size(): number {
    return this.items.length;
  }

  /** Makes the columns this batch's own before it changes them (copy on write of an adopted chunk's). */
  private own(): void {
    if (this.items === NONE) {
      this.items = [];
      this.resolves = [];
      this.rejects = [];
    } else if (this.adopted) {
      this.items = this.items.slice();
      this.resolves = this.resolves.slice();
      this.rejects = this.rejects.slice();
      this.adopted = false;
    }
    if (this.runChunks === NONE) {
      this.runChunks = [];
      this.runCounts = [];
    }
  }

  /** Adds item i of a chunk (an Entry's, or a plain one's). */
  add(chunk: Chunk, i: number): void {
    this.own();
    const e = chunk.entries === null ? undefined : chunk.entries[i];
    if (e !== undefined && this.entries === null)
      this.entries = new Array<Entry | undefined>(this.items.length).fill(undefined);
    this.items.push(chunk.items[i]);
    this.resolves.push(chunk.resolves[i]!);
    this.rejects.push(chunk.rejects[i]!);
    if (this.entries !== null) this.entries.push(e);
    const n = this.runChunks.length;
    if (n > 0 && this.runChunks[n - 1] === chunk) this.runCounts[n - 1]!++;
    else {
      this.runChunks.push(chunk);
      this.runCounts.push(1);
    }
    const extra = e?.extra;
    if (extra !== undefined) {
      this.bytes += extra.bytes;
      this.tokens += extra.tokens;
      if (extra.signal !== undefined) {
        extra.batch = this;
        this.cancellable++;
      }
    }
  }

  /**
   * Adds items [from, to) of a chunk with no Entry (the plain path): an empty batch that takes
   * a whole chunk adopts its columns.
   */
  addRun(chunk: Chunk, from: number, to: number): void {
    if (this.items.length === 0) {
      if (from === 0 && to === chunk.items.length) {
        this.items = chunk.items;
        this.resolves = chunk.resolves;
        this.rejects = chunk.rejects;
        this.adopted = true;
      } else {
        // slice is a block copy; a push per item costs several times more.
        this.items = chunk.items.slice(from, to);
        this.resolves = chunk.resolves.slice(from, to);
        this.rejects = chunk.rejects.slice(from, to);
      }
      this.runChunks = [chunk];
      this.runCounts = [to - from];
      return;
    }
    this.own();
    const { items, resolves, rejects } = this;
    const entries = this.entries;
    for (let i = from; i < to; i++) {
      items.push(chunk.items[i]);
      resolves.push(chunk.resolves[i]!);
      rejects.push(chunk.rejects[i]!);
      if (entries !== null) entries.push(undefined);
    }
    this.runChunks.push(chunk);
    this.runCounts.push(to - from);
  }

  /** Takes out an entry cancelled before the batch started. */
  remove(e: Entry): boolean {
    const i = this.entries === null ? -1 : this.entries.indexOf(e);
    if (i < 0) return false;
    this.own();
    this.items.splice(i, 1);
    this.resolves.splice(i, 1);
    this.rejects.splice(i, 1);
    this.entries!.splice(i, 1);
    const extra = e.extra!;
    this.bytes -= extra.bytes;
    this.tokens -= extra.tokens;
    extra.batch = null;
    this.cancellable--;
    this.rebuildRuns(e.chunk, i);
    return true;
  }

  /** Drops entries settled elsewhere (their cancel still in the mailbox); returns how many remain. */
  compact(): number {
    const entries = this.entries;
    if (this.cancellable === 0 || entries === null) return this.items.length;
    const { items, resolves, rejects } = this;
    const counts = this.runCounts;
    let live = 0;
    let run = 0;
    let left = counts[0] ?? 0;
    for (let i = 0; i < items.length; i++) {
      while (left === 0) left = counts[++run]!;
      left--;
      if (entries[i]?.done === true) {
        counts[run]!--;
        continue;
      }
      items[live] = items[i];
      resolves[live] = resolves[i]!;
      rejects[live] = rejects[i]!;
      entries[live++] = entries[i];
    }
    if (live !== items.length) {
      items.length = resolves.length = rejects.length = entries.length = live;
      this.dropEmptyRuns();
    }
    return live;
  }

  /**
   * Settles item i with results[i] (an Error rejects that item only), run by run: each chunk's
   * count of unsettled items is taken down once per run, not once per item.
   */
  settleAll(results: readonly unknown[]): void {
    const { resolves, rejects, entries } = this;
    let i = 0;
    for (let r = 0; r < this.runChunks.length; r++) {
      const end = i + this.runCounts[r]!;
      let settled = 0;
      if (entries === null) {
        // Plain items: nothing else settles them while the process lives.
        for (; i < end; i++) {
          const value = results[i];
          if (value instanceof Error) rejects[i]!(value);
          else resolves[i]!(value);
        }
        settled = this.runCounts[r]!;
      } else {
        for (; i < end; i++) {
          const e = entries[i];
          const value = results[i];
          if (e !== undefined) {
            if (e.settleInRun(value)) settled++;
          } else {
            if (value instanceof Error) rejects[i]!(value);
            else resolves[i]!(value);
            settled++;
          }
        }
      }
      const chunk = this.runChunks[r]!;
      if ((chunk.pending -= settled) === 0 && settled > 0) chunk.incarnation?.chunks.delete(chunk);
    }
  }

  /** Rejects every item not settled yet with `error` (any value, as the sink threw it). */
  failAll(error: unknown): void {
    const { rejects, entries } = this;
    let i = 0;
    for (let r = 0; r < this.runChunks.length; r++) {
      const end = i + this.runCounts[r]!;
      let settled = 0;
      for (; i < end; i++) {
        const e = entries === null ? undefined : entries[i];
        if (e === undefined) {
          rejects[i]!(error);
          settled++;
        } else if (e.rejectInRun(error)) settled++;
      }
      const chunk = this.runChunks[r]!;
      if ((chunk.pending -= settled) === 0 && settled > 0) chunk.incarnation?.chunks.delete(chunk);
    }
  }

  /**
   * Records each arrival run's wait, measured to `now`. It takes the stats object, not a
   * callback: a closure per batcher instance would make this call site polymorphic (and the
   * optimized code deoptimize) whenever a second batcher starts.
   */
  recordWaits(now: number, stats: WaitRecorder): void {
    for (let i = 0; i < this.runChunks.length; i++) stats.recordWait(now - this.runChunks[i]!.at, this.runCounts[i]!);
  }

  /** When the oldest item arrived. */
  get oldest(): number {
    return this.runChunks.length === 0 ? this.openedAt : this.runChunks[0]!.at;
  }

  /** After item i (of `chunk`) left: takes it off its run. */
  private rebuildRuns(chunk: Chunk, i: number): void {
    let end = 0;
    for (let r = 0; r < this.runCounts.length; r++) {
      end += this.runCounts[r]!;
      if (i < end && this.runChunks[r] === chunk) {
        this.runCounts[r]!--;
        break;
      }
    }
    this.dropEmptyRuns();
  }

  private dropEmptyRuns(): void {
    if (!this.runCounts.includes(0)) return;
    const chunks: Chunk[] = [];
    const counts: number[] = [];
    for (let r = 0; r < this.runCounts.length; r++) {
      if (this.runCounts[r] === 0) continue;
      chunks.push(this.runChunks[r]!);
      counts.push(this.runCounts[r]!);
    }
    this.runChunks = chunks;
    this.runCounts = counts;
  }

  // ---- the sink's ctx ---------------------------------------------------------

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  get ids(): readonly ItemId[] {
    if (this.idList === undefined) {
      const idOf = this.idOf;
      this.idList = idOf === undefined ? this.items.map((_, i) => i) : this.items.map((item) => idOf(item));
    }
    return this.idList;
  }

  recordTokens(usage: TokenUsage): void {
    const u = this.usage;
    if (u === undefined) {
      this.usage = { ...usage };
      return;
    }
    u.individualInput += usage.individualInput;
    u.batchedInput += usage.batchedInput;
    for (const key of ['individualOutput', 'batchedOutput', 'providerInput', 'providerOutput'] as const) {
      if (usage[key] !== undefined) u[key] = (u[key] ?? 0) + usage[key];
    }
  }

  abort(reason: unknown): void {
    this.controller ??= new AbortController();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** True once every item was settled elsewhere (cancelled): nobody wants the sink's work any more. */
  allSettled(): boolean {
    const entries = this.entries;
    if (entries === null) return this.items.length === 0;
    for (const e of entries) if (e === undefined || !e.done) return false;
    return true;
  }
}
