/**
 * A batch: open while it gathers items, then ready (closed, waiting for a
 * sink slot), then started (at the sink), then done. It is also the sink's
 * `ctx`; its AbortController is made only if the sink reads `ctx.signal`.
 *
 * The items array the sink gets is built as entries arrive, and the entries'
 * arrival is kept as runs (one per chunk), so starting a batch walks no list
 * unless an entry that may be cancelled is in it.
 */
import type { Chunk, Entry, EntryBatch } from './entry';
import type { GroupKey, ItemId, SinkContext, TokenUsage } from './options';

const NONE: never[] = [];

/** Where a batch records its items' added wait (EfficiencyStats). */
export interface WaitRecorder {
  recordWait(ms: number, count: number): void;
}

export class Batch implements EntryBatch, SinkContext {
  // Empty until the first item: a batch that takes a whole chunk adopts the chunk's arrays.
  entries: Entry[] = NONE;
  items: unknown[] = NONE;
  /** Arrival runs: entries runCounts[i] came in chunk runChunks[i]. */
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

  get size(): number {
    return this.entries.length;
  }

  /** True while `entries` and `items` are a chunk's own arrays. */
  private adopted = false;

  /** Makes the arrays this batch's own before it changes them (copy on write of an adopted chunk's). */
  private own(): void {
    if (this.entries === NONE) {
      this.entries = [];
      this.items = [];
    } else if (this.adopted) {
      this.entries = this.entries.slice();
      this.items = this.items.slice();
      this.adopted = false;
    }
    if (this.runChunks === NONE) {
      this.runChunks = [];
      this.runCounts = [];
    }
  }

  add(e: Entry): void {
    this.own();
    this.entries.push(e);
    this.items.push(e.item);
    const n = this.runChunks.length;
    if (n > 0 && this.runChunks[n - 1] === e.chunk) this.runCounts[n - 1]!++;
    else {
      this.runChunks.push(e.chunk);
      this.runCounts.push(1);
    }
    const extra = e.extra;
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
   * Adds entries [from, to) of a chunk none of whose entries has a signal or a size (the
   * plain path): an empty batch that takes a whole chunk adopts its arrays.
   */
  addRun(chunk: Chunk, from: number, to: number): void {
    if (this.entries.length === 0) {
      if (from === 0 && to === chunk.entries.length) {
        this.entries = chunk.entries;
        this.items = chunk.items;
        this.adopted = true;
      } else {
        // slice is a block copy; a push per item costs several times more.
        this.entries = chunk.entries.slice(from, to);
        this.items = chunk.items.slice(from, to);
      }
      this.runChunks = [chunk];
      this.runCounts = [to - from];
      return;
    }
    this.own();
    const entries = this.entries;
    const items = this.items;
    for (let i = from; i < to; i++) {
      entries.push(chunk.entries[i]!);
      items.push(chunk.items[i]);
    }
    this.runChunks.push(chunk);
    this.runCounts.push(to - from);
  }

  /** Takes out an entry cancelled before the batch started. */
  remove(e: Entry): boolean {
    const i = this.entries.indexOf(e);
    if (i < 0) return false;
    this.own();
    this.entries.splice(i, 1);
    this.items.splice(i, 1);
    const extra = e.extra!;
    this.bytes -= extra.bytes;
    this.tokens -= extra.tokens;
    extra.batch = null;
    this.cancellable--;
    this.rebuildRuns();
    return true;
  }

  /** Drops entries settled elsewhere (their cancel still in the mailbox); returns how many remain. */
  compact(): number {
    if (this.cancellable === 0) return this.entries.length;
    const entries = this.entries;
    let live = 0;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i]!.done) continue;
      entries[live] = entries[i]!;
      this.items[live++] = entries[i]!.item;
    }
    if (live !== entries.length) {
      entries.length = live;
      this.items.length = live;
      this.rebuildRuns();
    }
    return live;
  }

  /**
   * Settles entry i with results[i] (an Error rejects that item only), run by run: each chunk's
   * count of unsettled entries is taken down once per run, not once per item.
   */
  settleAll(results: readonly unknown[]): void {
    const entries = this.entries;
    let i = 0;
    for (let r = 0; r < this.runChunks.length; r++) {
      const end = i + this.runCounts[r]!;
      let settled = 0;
      for (; i < end; i++) if (entries[i]!.settleInRun(results[i])) settled++;
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

  private rebuildRuns(): void {
    const chunks: Chunk[] = [];
    const counts: number[] = [];
    for (const e of this.entries) {
      if (chunks.length > 0 && chunks[chunks.length - 1] === e.chunk) counts[counts.length - 1]!++;
      else {
        chunks.push(e.chunk);
        counts.push(1);
      }
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

  /** True once every entry was settled elsewhere (cancelled): nobody wants the sink's work any more. */
  allSettled(): boolean {
    for (const e of this.entries) if (!e.done) return false;
    return true;
  }
}
