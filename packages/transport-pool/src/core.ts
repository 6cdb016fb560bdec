import { currentPid, GenServer, type Pid, type TelemetryBus } from '@erlmcp/otp';
import type { Histogram } from 'hdr-histogram-js';
import { PooledConnection } from './connection';
import { AcquireAbortedError, AcquireTimeoutError, NotLeasedError, PoolClosedError, WaitersFullError } from './errors';
import type { ResolvedOptions } from './options';
import type { SharedLimit } from './shared-limit';
import { latencyHistogram, type PoolStats } from './stats';
import type { PoolEvents, PoolTelemetryEvents } from './telemetry';
import { type Waiter, WaiterQueue } from './waiters';

/** What callers on the pool's thread send the pool process (casts, never calls: nothing waits on them). */
export type PoolCast = { op: 'demand' } | { op: 'watch'; pid: Pid };

/** One in this many fast-path acquires is timed (timing each would cost more than the acquire). */
const SAMPLE_EVERY = 64;

const now = (): number => performance.now();
/**
 * Deadlines and idle ages need milliseconds, not microseconds; Date.now() is
 * cheaper than performance.now() on Node 20 (measured about 130 vs 180 ns here),
 * and the hot path pays it per call.
 */
export const coarseNow = (): number => Date.now();

/**
 * The pool's state, owned by the pool process and shared by reference with
 * callers on the same thread. Callers take and return idle connections here
 * directly (the fast path: no message, no allocation); everything that takes
 * time or decides anything (connecting, closing, checking, growing, shrinking,
 * watching callers) happens in the pool process, which callers only poke with
 * casts. JavaScript runs one callback at a time on a thread, so no lock is needed.
 */
export class PoolCore<R> {
  /** Every connection not yet known dead, by id. */
  readonly conns = new Map<number, PooledConnection<R>>();
  /** Ready connections, most recently used last (taken from the end; the oldest age out from the front). */
  readonly idle: PooledConnection<R>[] = [];
  readonly waiters = new WaiterQueue<R>();
  leased = 0;
  connecting = 0;
  closed: 'pool_draining' | 'pool_stopped' | undefined;
  created = 0;
  destroyed = 0;
  failedConnects = 0;
  healthCheckFailures = 0;
  acquires = 0;
  acquireTimeouts = 0;
  lastConnectError: unknown;
  /** A 'demand' cast is on its way to the pool process. */
  demandPending = false;
  readonly latency: Histogram = latencyHistogram();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private sampleCountdown = SAMPLE_EVERY;
  private waitCountdown = 1;

  constructor(
    readonly options: ResolvedOptions<R>,
    readonly pool: Pid,
    readonly events: PoolEvents,
    /** The node's telemetry bus (of the pool's scheduler), unless the options turned it off. */
    private readonly bus: TelemetryBus | undefined,
    /** The limit shared with the other schedulers' sub-pools (`schedulers: 'all'`). */
    readonly limit: SharedLimit | undefined,
  ) {}

  emit<E extends keyof PoolTelemetryEvents>(event: E, payload: Parameters<PoolTelemetryEvents[E]>[0]): void {
    (this.events.emit as (e: string, p: unknown) => boolean)(event, payload);
    // The node's bus is typed for the runtime's own events; the pool's travel on it beside them.
    (this.bus as unknown as { emit(e: string, p: unknown): boolean } | undefined)?.emit(event, payload);
  }

  /** Connections this pool may still open: within its max and, when shared, within the schedulers' common max. */
  room(): number {
    const here = this.options.max - this.conns.size;
    return this.limit === undefined ? here : Math.min(here, this.limit.room());
  }

  /** Tells the other schedulers' sub-pools how many idle connections this one could close for them (those above its min). */
  publishSpare(): void {
    this.limit?.publishIdle(Math.max(0, Math.min(this.idle.length, this.conns.size - this.options.min)));
  }

  /** Drops a connection the pool no longer counts (closed, lost, or failed to connect). */
  forget(conn: PooledConnection<R>): boolean {
    if (this.conns.get(conn.id) !== conn) return false;
    this.conns.delete(conn.id);
    this.limit?.give();
    return true;
  }

  // ---- the caller's side (any code on the pool's thread) ----

  acquire(signal?: AbortSignal): Promise<PooledConnection<R>> {
    if (this.closed !== undefined) return Promise.reject(new PoolClosedError(this.closed));
    if (signal?.aborted === true) return Promise.reject(new AcquireAbortedError(signal.reason));
    const sample = --this.sampleCountdown === 0;
    const t0 = sample ? now() : 0;
    const conn = this.takeIdle();
    if (conn !== undefined) {
      this.lease(conn, currentPid());
      if (sample) this.record(t0);
      return Promise.resolve(conn);
    }
    if (sample) this.sampleCountdown = SAMPLE_EVERY;
    return this.wait(signal);
  }

  release(conn: PooledConnection<R>): void {
    if (!conn.leased) throw new NotLeasedError(conn.id);
    conn.leased = false;
    conn.holder = undefined;
    this.leased--;
    if (conn.state === 'ready') this.offer(conn);
  }

  /** Returns a connection the caller found broken: it is closed, never handed out again. */
  destroy(conn: PooledConnection<R>): void {
    if (!conn.leased) throw new NotLeasedError(conn.id);
    conn.leased = false;
    conn.holder = undefined;
    this.leased--;
    this.retire(conn);
  }

  stats(): PoolStats {
    return {
      size: this.conns.size,
      idle: this.idle.length,
      inUse: this.leased,
      connecting: this.connecting,
      waiters: this.waiters.length,
      created: this.created,
      destroyed: this.destroyed,
      failedConnects: this.failedConnects,
      healthCheckFailures: this.healthCheckFailures,
      acquires: this.acquires,
      acquireTimeouts: this.acquireTimeouts,
      acquireLatencyUs: {
        p50: this.latency.totalCount === 0 ? 0 : this.latency.getValueAtPercentile(50),
        p99: this.latency.totalCount === 0 ? 0 : this.latency.getValueAtPercentile(99),
        samples: this.latency.totalCount,
      },
    };
  }

  // ---- shared by both sides ----

  private takeIdle(): PooledConnection<R> | undefined {
    for (;;) {
      const conn = this.idle.pop();
      // One that died since it went idle (its loss is noticed synchronously) is skipped.
      if (conn === undefined || conn.state === 'ready') {
        if (this.limit !== undefined) this.publishSpare();
        return conn;
      }
    }
  }

  private lease(conn: PooledConnection<R>, pid: Pid | undefined): void {
    conn.leased = true;
    conn.uses++;
    conn.holder = pid;
    this.leased++;
    this.acquires++;
    // A process holding a connection is watched, so that its exit gives the connection back.
    if (pid !== undefined) GenServer.cast(this.pool, { op: 'watch', pid } as PoolCast as never);
    if (this.leased >= this.options.highWatermark * this.conns.size && this.room() > 0) this.signalDemand();
  }

  /** Waiters are timed one in SAMPLE_EVERY too, from the call to the hand-off. */
  private sampleWait(): boolean {
    if (--this.waitCountdown > 0) return false;
    this.waitCountdown = SAMPLE_EVERY;
    return true;
  }

  private record(t0: number): void {
    this.sampleCountdown = SAMPLE_EVERY;
    this.latency.recordValue(Math.max(1, Math.round((now() - t0) * 1000)));
  }

  private wait(signal: AbortSignal | undefined): Promise<PooledConnection<R>> {
    if (this.waiters.length >= this.options.maxWaiters)
      return Promise.reject(new WaitersFullError(this.options.maxWaiters));
    const pid = currentPid();
    const promise = new Promise<PooledConnection<R>>((resolve, reject) => {
      const w: Waiter<R> = {
        resolve,
        reject,
        pid,
        since: coarseNow(),
        timedFrom: this.sampleWait() ? now() : -1,
        signal,
        onAbort: undefined,
        prev: undefined,
        next: undefined,
        queued: false,
      };
      if (signal !== undefined) {
        w.onAbort = () => this.giveUp(w, new AcquireAbortedError(signal.reason));
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
    });
    if (this.deadlineTimer === undefined && this.options.acquireTimeoutMs !== Infinity)
      this.armDeadline(this.options.acquireTimeoutMs);
    if (pid !== undefined) GenServer.cast(this.pool, { op: 'watch', pid } as PoolCast as never);
    // At max (counting connects in flight) there is nothing to decide, unless other schedulers hold the shared max.
    if (this.room() > 0 || this.limit !== undefined) this.signalDemand();
    return promise;
  }

  /** A waiter that stops waiting leaves the queue at once; the next connection goes to the next waiter. */
  giveUp(w: Waiter<R>, error: Error | undefined): void {
    if (!w.queued) return;
    this.waiters.remove(w);
    this.unhook(w);
    if (error !== undefined) w.reject(error);
  }

  /** Stops the waiters' timer (the pool is stopping). */
  clearDeadline(): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  /**
   * One timer for every waiter: they all wait acquireTimeoutMs and queue in
   * arrival order, so the head's deadline is the earliest. The timer fires at
   * it, times out whoever is due, and re-arms for the new head (a timer per
   * waiter would cost more than the acquire).
   */
  private armDeadline(ms: number): void {
    this.deadlineTimer = setTimeout(
      () => {
        this.deadlineTimer = undefined;
        const limit = this.options.acquireTimeoutMs;
        const t = coarseNow();
        for (let w = this.waiters.first(); w !== undefined; w = this.waiters.first()) {
          const left = w.since + limit - t;
          if (left > 0) return this.armDeadline(left);
          this.acquireTimeouts++;
          this.giveUp(w, new AcquireTimeoutError(limit, this.lastConnectError));
        }
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  private unhook(w: Waiter<R>): void {
    if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort);
  }

  signalDemand(): void {
    if (this.demandPending) return;
    this.demandPending = true;
    GenServer.cast(this.pool, { op: 'demand' } as PoolCast as never);
  }

  /** A connection is free: to the first waiter, else idle; closed instead when used up or the pool is closing. */
  offer(conn: PooledConnection<R>): void {
    if (this.closed !== undefined || conn.uses >= this.options.maxUses) {
      this.retire(conn);
      return;
    }
    const w = this.waiters.shift();
    if (w !== undefined) {
      this.unhook(w);
      this.lease(conn, w.pid);
      if (w.timedFrom >= 0) this.latency.recordValue(Math.max(1, Math.round((now() - w.timedFrom) * 1000)));
      w.resolve(conn);
      return;
    }
    conn.idleSince = coarseNow();
    this.idle.push(conn);
    if (this.limit !== undefined) this.publishSpare();
  }

  /** Closes a connection through its process; the pool forgets it when the process is DOWN. */
  retire(conn: PooledConnection<R>): void {
    if (conn.state === 'closing' || conn.state === 'dead') return;
    conn.state = 'closing';
    if (conn.pid !== undefined) GenServer.cast(conn.pid, { op: 'close' } as never);
  }
}
