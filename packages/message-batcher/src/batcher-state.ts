/**
 * The batcher process's state, changed in place by each message (server.ts
 * lists them; messages.ts declares them). Its sections (taking items, windows, dispatch, sink timeouts,
 * flush) read and write the same few fields, so they stay in one class; what
 * does not need those fields has its own file (alarm.ts, flush-waiters.ts,
 * sizes.ts, results.ts, adaptive.ts, process-clock.ts).
 */
import {
  currentNode,
  noreply,
  type From,
  type NoReplyResult,
  type ProcessContext,
  type TelemetryBus,
} from '@erlmcp/otp';
import { AdaptivePolicy } from './adaptive';
import { Alarm, SLACK_MS, Wake } from './alarm';
import { Batch } from './batch';
import type { EfficiencyStats } from './efficiency';
import { Chunk, type Entry } from './entry';
import { BatcherOverloadError, SinkFailedError, SinkTimeoutError } from './errors';
import { Fifo } from './fifo';
import { FlushWaiters } from './flush-waiters';
import type { GroupKey, Settings } from './options';
import { applyAnswer } from './results';
import { ProcessClock } from './process-clock';
import { Cancel, type Host, type ServerMessage } from './messages';
import { measure, REFUSED } from './sizes';

export class BatcherState {
  private readonly s: Settings<unknown, unknown>;
  private readonly stats: EfficiencyStats;
  private readonly events: TelemetryBus;
  private readonly adaptive: AdaptivePolicy | null;
  /** The open batch when there is no groupBy. */
  private single: Batch | null = null;
  /** The last batch whose sink settled, emptied: it keeps the Batch hidden class alive (see finish). */
  private shapeKeeper: Batch | null = null;
  private readonly groups: Map<GroupKey, Batch> | null;
  /** No groupBy and no byte or token cap. */
  private readonly plain: boolean;
  /** Closed batches waiting for a sink slot, oldest first. */
  private readonly ready = new Fifo<Batch>();
  /** Batches given to an async sink, in start order (the timeout order). */
  readonly started = new Fifo<Batch>();
  private inFlight = 0;
  /** Items accepted and not yet dispatched. */
  private queued = 0;
  private seq = 0;
  /** Wakes the process when the earliest window is over. */
  private readonly windows: Alarm;
  /** Wakes the process when the oldest batch at the sink has had its time. */
  private readonly timeouts: Alarm;
  private pumping = false;
  private pumpAgain = false;
  private readonly waiters = new FlushWaiters<Batch>();
  private readonly clock: ProcessClock<ServerMessage>;
  /** The callbacks' answer, made once: the state is changed in place, never replaced. */
  readonly noreply: NoReplyResult<BatcherState> = noreply(this);

  constructor(host: Host, ctx: ProcessContext) {
    this.s = host.settings;
    this.stats = host.stats;
    this.events = currentNode().events;
    this.adaptive = this.s.strategy === 'adaptive' ? new AdaptivePolicy(this.s.targetLatencyMs, this.s.maxItems) : null;
    this.groups = this.s.groupBy === undefined ? null : new Map();
    this.clock = new ProcessClock(this.s.clock, ctx);
    this.windows = new Alarm(this.clock);
    this.timeouts = new Alarm(this.clock);
    this.plain = this.groups === null && this.s.maxBytes === Infinity && this.s.maxTokens === Infinity;
  }

  handle(message: ServerMessage): void {
    if (message instanceof Chunk) this.accept(message);
    else if (message instanceof Cancel) this.cancel(message.entry);
    else if (message instanceof Batch)
      this.finish(message, message.answer, message.error, message.failed ? 'failed' : 'answered');
    else if (message instanceof Wake && message.alarm.woken(message)) {
      if (message.alarm === this.windows) this.windowsOver();
      else this.timeoutsOver();
    }
  }

  // ---- taking items ---------------------------------------------------------

  private accept(chunk: Chunk): void {
    if (this.plain && chunk.entries === null) this.acceptPlain(chunk);
    else this.acceptEach(chunk);
    this.pump();
  }

  /**
   * The hot path: no groups, no byte or token caps, and no item of the chunk with an Entry: the
   * chunk is cut into runs that fill the open batch, without a per-item step.
   */
  private acceptPlain(chunk: Chunk): void {
    const s = this.s;
    const n = chunk.items.length;
    let accepted = n;
    if (this.queued + n > s.maxQueued) {
      accepted = Math.max(0, s.maxQueued - this.queued);
      const error = new BatcherOverloadError(s.name, s.maxQueued);
      for (let i = accepted; i < n; i++) chunk.rejects[i]!(error);
      chunk.pending -= n - accepted;
      if (chunk.pending === 0) chunk.incarnation?.chunks.delete(chunk);
    }
    const cap = this.adaptive !== null ? s.maxItems : undefined;
    let from = 0;
    while (from < accepted) {
      const batch = this.single ?? this.openFor(undefined, chunk.at);
      const room = (cap ?? batch.target) - batch.size;
      const to = Math.min(accepted, from + room);
      batch.addRun(chunk, from, to);
      from = to;
      if (batch.size >= (cap ?? batch.target)) this.close(batch);
    }
    this.queued += accepted;
    this.adaptive?.arrived(accepted, chunk.at);
  }

  private acceptEach(chunk: Chunk): void {
    const s = this.s;
    const at = chunk.at;
    const entries = chunk.entries;
    // The size at which a batch closes: for adaptive the chosen size only makes a batch ripe
    // (it leaves when a slot is free, see pump), and maxItems is the hard cap.
    const adaptive = this.adaptive !== null;
    let accepted = 0;
    let batch = this.single;
    for (let i = 0; i < chunk.items.length; i++) {
      // A plain item here (no Entry) is one of a batcher without groups or caps: see Batcher.add.
      const e = entries === null ? undefined : entries[i];
      if (e?.done === true) continue; // cancelled while it travelled
      if (this.queued >= s.maxQueued) {
        const error = new BatcherOverloadError(s.name, s.maxQueued);
        if (e !== undefined) e.reject(error);
        else {
          chunk.rejects[i]!(error);
          if (--chunk.pending === 0) chunk.incarnation?.chunks.delete(chunk);
        }
        continue;
      }
      if (this.plain || e === undefined) {
        if (batch === null) batch = this.openFor(undefined, at);
      } else {
        const group = measure(this.s, e);
        if (group === REFUSED) continue;
        batch = this.openFor(group, at);
        const extra = e.extra;
        if (
          extra !== undefined &&
          (batch.bytes + extra.bytes > s.maxBytes || batch.tokens + extra.tokens > s.maxTokens)
        ) {
          this.close(batch);
          batch = this.openFor(group, at);
        }
      }
      batch.add(chunk, i);
      this.queued++;
      accepted++;
      if (batch.size >= (adaptive ? s.maxItems : batch.target) || e?.extra?.flush === true) {
        this.close(batch);
        batch = null;
      }
    }
    this.adaptive?.arrived(accepted, at);
  }

  private openFor(group: GroupKey, at: number): Batch {
    const existing = this.groups === null ? this.single : this.groups.get(group);
    if (existing !== null && existing !== undefined) return existing;
    let window = this.s.windowMs;
    let target = this.s.maxItems;
    if (this.adaptive !== null) ({ windowMs: window, size: target } = this.adaptive.choose());
    const batch = new Batch(++this.seq, group, at, at + window, target, this.s.idOf);
    if (this.groups === null) this.single = batch;
    else this.groups.set(group, batch);
    this.windows.set(batch.deadline);
    return batch;
  }

  /** Moves an open batch to the ready queue. */
  private close(batch: Batch): void {
    if (batch.closed) return;
    batch.closed = true;
    if (this.groups === null) {
      if (this.single === batch) this.single = null;
    } else if (this.groups.get(batch.group) === batch) this.groups.delete(batch.group);
    this.ready.push(batch);
  }

  private cancel(entry: Entry): void {
    const batch = entry.extra?.batch as Batch | null | undefined;
    if (batch === null || batch === undefined) return;
    if (batch.started) {
      // Already at the sink: if nobody waits for any of its items any more, tell the sink.
      if (!batch.done && batch.allSettled()) batch.abort(entry.extra!.signal?.reason);
      return;
    }
    if (batch.remove(entry)) this.queued--;
  }

  // ---- windows ----------------------------------------------------------------

  private now(): number {
    return this.clock.now();
  }

  /** Closes the batches whose window is over (adaptive: lets pump decide), then re-arms for the next. */
  private windowsOver(): void {
    const now = this.now() + SLACK_MS;
    if (this.adaptive === null) {
      if (this.groups === null) {
        if (this.single !== null && this.single.deadline <= now) this.close(this.single);
      } else {
        for (const batch of [...this.groups.values()]) if (batch.deadline <= now) this.close(batch);
      }
    }
    this.pump();
    let next = Infinity;
    if (this.groups === null) next = this.single?.deadline ?? Infinity;
    else for (const batch of this.groups.values()) next = Math.min(next, batch.deadline);
    // An adaptive batch past its window that waits for a slot is woken by the slot, not a timer.
    if (next > now) this.windows.set(next);
  }

  // ---- dispatch -----------------------------------------------------------------

  /** Starts what may start: ripe adaptive batches and ready batches, while sink slots are free. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const max = this.s.maxInFlight;
        while (this.inFlight < max) {
          const batch = this.ready.shift() ?? this.ripe();
          if (batch === undefined) break;
          this.start(batch);
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  /** Adaptive: the oldest open batch that reached its size or whose window is over, closed. */
  private ripe(): Batch | undefined {
    if (this.adaptive === null) return undefined;
    const now = this.now() + SLACK_MS;
    let pick: Batch | undefined;
    const consider = (b: Batch) => {
      if (b.size > 0 && (b.size >= b.target || b.deadline <= now) && (pick === undefined || b.batch < pick.batch))
        pick = b;
    };
    if (this.groups === null) {
      if (this.single !== null) consider(this.single);
    } else for (const b of this.groups.values()) consider(b);
    if (pick === undefined) return undefined;
    this.close(pick);
    return this.ready.shift();
  }

  private start(batch: Batch): void {
    batch.started = true;
    this.queued -= batch.size;
    const live = batch.compact();
    if (live === 0) {
      batch.done = true;
      this.waiters.gone(batch);
      return;
    }
    const now = this.now();
    batch.recordWaits(now, this.stats);
    const items = batch.items;
    batch.startedAt = now;
    this.inFlight++;
    let out: unknown;
    try {
      out = this.s.sink(items, batch);
    } catch (error) {
      this.finish(batch, undefined, error, 'failed');
      return;
    }
    if (out !== null && typeof (out as PromiseLike<unknown>)?.then === 'function') {
      batch.timeoutAt = now + this.s.sinkTimeoutMs;
      this.started.push(batch);
      this.timeouts.set(batch.timeoutAt);
      (out as PromiseLike<unknown>).then(
        (answer) => {
          batch.answer = answer;
          this.clock.post(batch);
        },
        (error: unknown) => {
          batch.error = error;
          batch.failed = true;
          this.clock.post(batch);
        },
      );
      return;
    }
    this.finish(batch, out, undefined, 'answered');
  }

  private finish(batch: Batch, answer: unknown, error: unknown, outcome: 'answered' | 'failed' | 'timeout'): void {
    if (batch.done) return; // timed out before the sink answered: its items were failed then
    batch.done = true;
    this.inFlight--;
    const listening = this.events.listenerCount('batcher:batch') > 0;
    // The clock is read only when the latency is used (the adaptive fit, a listener).
    const latency = this.adaptive !== null || listening ? this.now() - batch.startedAt : 0;
    if (outcome === 'answered') applyAnswer(batch, answer);
    else {
      batch.failAll(outcome === 'timeout' ? error : new SinkFailedError(batch.batch, error));
    }
    const size = batch.size;
    this.adaptive?.finished(size, latency);
    this.stats.recordBatch(size, outcome !== 'answered', batch.usage);
    if (listening) {
      this.events.emit('batcher:batch', {
        batcher: this.s.name,
        batch: batch.batch,
        group: batch.group,
        size,
        latencyMs: latency,
        maxWaitMs: batch.startedAt - batch.oldest,
        outcome,
        ...(batch.usage === undefined ? {} : { tokens: batch.usage }),
      });
    }
    while (this.started.peek()?.done === true) this.started.shift();
    this.waiters.gone(batch);
    // A settled sink no longer reads its batch: keep it, emptied, so that a Batch's hidden class
    // outlives a full GC between bursts (see CHUNK_SHAPE in entry.ts: the same deopts otherwise).
    if (outcome !== 'timeout') {
      batch.release();
      this.shapeKeeper = batch;
    }
    this.pump();
  }

  // ---- sink timeouts --------------------------------------------------------------

  private timeoutsOver(): void {
    const now = this.now() + SLACK_MS;
    for (;;) {
      const head = this.started.peek();
      if (head === undefined) return;
      if (head.done) {
        this.started.shift();
        continue;
      }
      if (head.timeoutAt > now) return this.timeouts.set(head.timeoutAt);
      this.started.shift();
      const error = new SinkTimeoutError(head.batch, this.s.sinkTimeoutMs);
      head.abort(error);
      this.finish(head, undefined, error, 'timeout');
    }
  }

  // ---- flush ------------------------------------------------------------------------

  flush(from: From): void {
    if (this.groups === null) {
      if (this.single !== null) this.close(this.single);
    } else for (const b of [...this.groups.values()]) this.close(b);
    this.pump();
    const pending = new Set<Batch>();
    for (const b of this.ready) pending.add(b);
    for (const b of this.started) if (!b.done) pending.add(b);
    this.waiters.add(from, pending);
  }

  terminate(): void {
    this.windows.cancel();
    this.timeouts.cancel();
  }
}
