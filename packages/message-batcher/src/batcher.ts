/**
 * Batcher: the client side of a batcher process, and the thing a user holds.
 *
 * `add` is the hot path. It does not call the process: it appends the item to
 * the chunk of the current synchronous run and returns the item's promise; one
 * microtask later the whole chunk goes to the process as one cast. The process
 * owns everything from there (queue, batches, windows, slots, timeouts) and
 * settles each entry. What the handle keeps is the caller's half of each call,
 * as OTP's caller-side monitor does: the chunks sent to each incarnation of the
 * process, so that when it exits every entry it held is failed with a
 * BatcherExitedError, and the supervisor's restart starts clean.
 */
import {
  GenServer,
  Supervisor,
  awaitExit,
  type ChildSpec,
  type ExitReason,
  type Pid,
  type SupervisorSpec,
} from '@erlmcp/otp';
import type { Batch } from './batch';
import { EfficiencyStats, type Efficiency } from './efficiency';
import { Chunk, promiseIn, sealed, type Entry, type Incarnation } from './entry';
import { BatcherArgError, BatcherExitedError, BatcherNotRunningError, BatcherStoppedError } from './errors';
import type { Fifo } from './fifo';
import { settle, type BatcherOptions, type Settings } from './options';
import { Cancel, type Host } from './messages';
import { batcherServer } from './server';

export interface AddOptions {
  /** Cancels the item: before dispatch it leaves its batch; either way its promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Dispatch this item's batch now, without waiting for the rest of its window (an answer
   * behind a burst of notifications). The batch still takes the items added before it.
   */
  flush?: boolean;
}

const resolved = Promise.resolve();
/** The most slots a chunk's columns are made with before they grow as arrays do. */
const MAX_CAPACITY = 4096;

interface Running extends Incarnation {
  readonly pid: Pid;
  readonly started: Fifo<Batch>;
}

export class Batcher<I = unknown, R = unknown> implements Host {
  /** The batcher process's registered name, and the label of its errors and events. */
  readonly name: string;
  /** @internal */
  readonly settings: Settings<unknown, unknown>;
  /** @internal */
  readonly stats = new EfficiencyStats();
  private current: Running | null = null;
  private staged: Chunk | null = null;
  /** Items in the last run: the size a new chunk's columns are made at (runs tend to be alike). */
  private lastRun = 0;
  /** Holes at the size new chunks' columns are made at (see Chunk's constructor). */
  private blank: unknown[] = [];
  private everStarted = false;
  private closed = false;
  private stopping: Promise<void> | undefined;
  private supervisor: Pid | undefined;
  private readonly push = () => this.pushStaged();
  /** No groups and no byte or token caps: a plain add() needs no Entry (see entry.ts). */
  private readonly plain: boolean;
  /** plain, not closed, and running: add() takes the short path (one test instead of three). */
  private fast = false;

  private constructor(settings: Settings<I, R>) {
    this.settings = settings as unknown as Settings<unknown, unknown>;
    this.name = settings.name;
    this.plain = settings.groupBy === undefined && settings.maxBytes === Infinity && settings.maxTokens === Infinity;
  }

  /** Checks the options (a BatcherArgError names a bad one). Start it with `start()` or `childSpec()`. */
  static create<I, R>(options: BatcherOptions<I, R>): Batcher<I, R> {
    return new Batcher<I, R>(settle(options));
  }

  /**
   * The batcher's supervisor as a child of your tree: a one_for_one supervisor
   * over the batcher process (3 restarts in 5 s). Transient: `stop()` ends it for
   * good, and so does a batcher that crashes past that intensity (its supervisor
   * exits `shutdown`; `add` then rejects with BatcherNotRunningError).
   */
  childSpec(id: string = this.name): ChildSpec {
    return {
      id,
      type: 'supervisor',
      restart: 'transient',
      shutdown: 'infinity',
      start: () => this.startSupervisor(true),
    };
  }

  /** Starts the batcher under its own supervisor, not linked to the caller. */
  async start(): Promise<Pid> {
    return this.startSupervisor(false);
  }

  private async startSupervisor(linked: boolean): Promise<Pid> {
    if (this.closed) throw new BatcherStoppedError(this.name);
    this.everStarted = true;
    const spec: SupervisorSpec = {
      strategy: 'one_for_one',
      intensity: 3,
      period: 5,
      children: [
        GenServer.childSpec('batcher', batcherServer, this as Host, {
          name: this.name,
          restart: 'transient',
          shutdown: 5000,
        }),
      ],
    };
    const pid = linked ? await Supervisor.startLink(spec) : await Supervisor.start(spec);
    this.supervisor = pid;
    return pid;
  }

  /** The batcher process now (undefined while not running). */
  get pid(): Pid | undefined {
    return this.current?.pid;
  }

  /** Adds an item; resolves with this item's own result from the sink, or rejects with its own error. */
  add(item: I, options?: AddOptions): Promise<R> {
    // Kept small so V8 inlines it into the caller's loop; options and refusals go the slow way.
    if (options !== undefined || !this.fast) return this.addSlow(item, options);
    const chunk = this.staged ?? this.newChunk();
    chunk.items[chunk.count] = item;
    if (chunk.entries !== null) chunk.entries.push(undefined);
    return promiseIn<R>(chunk);
  }

  private addSlow(item: I, options: AddOptions | undefined): Promise<R> {
    if (this.closed) return Promise.reject(new BatcherStoppedError(this.name));
    if (this.current === null)
      return Promise.reject(
        new BatcherNotRunningError(this.name, this.everStarted ? 'restarting after an exit' : 'not started'),
      );
    let signal: AbortSignal | undefined;
    let flush: boolean | undefined;
    if (options !== undefined) {
      if (options === null || typeof options !== 'object')
        return Promise.reject(new BatcherArgError('add options must be an object'));
      ({ signal, flush } = options);
      if (flush !== undefined && typeof flush !== 'boolean')
        return Promise.reject(new BatcherArgError('flush must be a boolean'));
      if (signal !== undefined && !(signal instanceof AbortSignal))
        return Promise.reject(new BatcherArgError('signal must be an AbortSignal'));
      if (signal?.aborted === true) return Promise.reject(signal.reason);
    }
    const chunk = this.staged ?? this.newChunk();
    const i = chunk.count;
    chunk.items[i] = item;
    const promise = promiseIn<R>(chunk);
    // A plain batcher's item with no option stays plain; others get an Entry (sized, grouped, cancelled).
    if (this.plain && signal === undefined && flush !== true) {
      if (chunk.entries !== null) chunk.entries.push(undefined);
      return promise;
    }
    const entry = chunk.entryAt(i);
    if (flush === true) entry.more().flush = true;
    if (signal === undefined) return promise;
    const extra = entry.more();
    extra.signal = signal;
    extra.onAbort = () => this.cancel(entry);
    signal.addEventListener('abort', extra.onAbort, { once: true });
    return promise;
  }

  private newChunk(): Chunk {
    // The columns are made at the last run's size: array growth from empty was about 40
    // instructions per item (callgrind), with three columns.
    const capacity = Math.min(Math.max(16, this.lastRun), MAX_CAPACITY);
    if (this.blank.length !== capacity) this.blank = new Array<unknown>(capacity);
    const at = this.settings.clock === undefined ? performance.now() : this.settings.clock.now();
    const chunk = (this.staged = new Chunk(at, this.blank));
    // A resolved promise's then() reaches V8's microtask queue directly; queueMicrotask goes
    // through an AsyncResource per callback.
    void resolved.then(this.push);
    return chunk;
  }

  /** Dispatches every item added so far, and resolves once each of them has settled. */
  async flush(): Promise<void> {
    this.pushStaged();
    const running = this.current;
    if (running === null) return;
    try {
      await GenServer.call(running.pid, 'flush', Infinity);
    } catch {
      // It exited meanwhile: its items were failed with BatcherExitedError.
    }
  }

  /** Refuses new items, drains (every pending item settles), then stops the batcher's supervisor. */
  stop(): Promise<void> {
    this.stopping ??= this.drainAndStop();
    return this.stopping;
  }

  private async drainAndStop(): Promise<void> {
    this.closed = true;
    this.fast = false;
    await this.flush();
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    if (supervisor !== undefined) {
      try {
        await GenServer.stop(supervisor, 'normal');
      } catch {
        // already gone
      }
    }
  }

  /** What the batcher measured so far (across restarts). */
  efficiency(): Efficiency {
    return this.stats.snapshot();
  }

  /** @internal Called by the process's init. */
  attach(pid: Pid, started: Fifo<Batch>): void {
    const running: Running = { pid, chunks: new Set(), started };
    this.current = running;
    this.fast = this.plain && !this.closed;
    void awaitExit(pid).then((reason) => this.exited(running, reason));
  }

  private exited(running: Running, reason: ExitReason): void {
    if (this.current === running) this.current = null;
    this.fast = this.plain && !this.closed && this.current !== null;
    const error = new BatcherExitedError(this.name, reason);
    for (const batch of running.started) if (!batch.done) batch.abort(error);
    for (const chunk of [...running.chunks]) chunk.failAll(error);
  }

  private pushStaged(): void {
    const chunk = this.staged;
    if (chunk === null) return;
    this.staged = null;
    sealed(chunk);
    this.lastRun = chunk.count;
    // Entries settled meanwhile (cancelled) took themselves off already.
    if ((chunk.pending += chunk.count) === 0) return;
    const running = this.current;
    if (running === null) {
      chunk.failAll(new BatcherNotRunningError(this.name, 'exited before the item reached it'));
      return;
    }
    chunk.incarnation = running;
    running.chunks.add(chunk);
    // From a microtask, not a process: when the batcher is idle it takes the chunk right here
    // (as itself: crashes and links as usual), saving a trip through the run queue.
    GenServer.castInline(running.pid, chunk);
  }

  private cancel(entry: Entry): void {
    const extra = entry.extra!;
    const reason: unknown = extra.signal!.reason;
    extra.onAbort = undefined; // a { once } listener is gone already
    if (!entry.reject(reason)) return;
    const running = entry.chunk.incarnation as Running | null;
    if (running !== null && running === this.current) GenServer.cast(running.pid, new Cancel(entry));
  }
}
