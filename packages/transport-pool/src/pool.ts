import { GenServer, whereis, type ChildSpec, type Pid } from '@erlmcp/otp';
import type { PooledConnection } from './connection';
import type { PoolCore } from './core';
import { isTransportError } from './factory';
import { type PoolOptions, resolveOptions } from './options';
import { localCores, poolServer, type PoolInit } from './pool-server';
import type { PoolStats } from './stats';
import { createPoolEvents, type PoolEvents } from './telemetry';

export interface AcquireOptions {
  /** Aborting it while the caller waits rejects with AcquireAbortedError and frees its place in the queue. */
  signal?: AbortSignal;
}

/**
 * A handle on a running pool. acquire() and release() touch the pool's state
 * directly (same thread, no message); lifecycle runs in the pool process.
 */
export class Pool<R> {
  private constructor(
    private readonly core: PoolCore<R>,
    /** The pool process. */
    readonly pid: Pid,
    /** Sizing decisions and connection events (also emitted on `options.telemetry`). */
    readonly events: PoolEvents,
  ) {}

  /**
   * Starts a pool process (linked to the caller when `link` is set and the
   * caller is a process). With `prewarm` (the default), resolves once each of
   * the first `min` connects has succeeded or failed.
   */
  static async start<R>(options: PoolOptions<R>, startOptions: { link?: boolean; name?: string } = {}): Promise<Pool<R>> {
    const resolved = resolveOptions(options);
    const events = createPoolEvents();
    let started!: (core: PoolCore<unknown>) => void;
    const warm = new Promise<PoolCore<unknown>>((resolve) => (started = resolve));
    const init: PoolInit = { options: resolved as never, events, started };
    const how = startOptions.link === true ? GenServer.startLink : GenServer.start;
    const pid = await how(poolServer, init, startOptions.name === undefined ? {} : { name: startOptions.name });
    const core = (await warm) as PoolCore<R>;
    return new Pool(core, pid, events);
  }

  /** A child spec for a supervision tree; find the running pool with Pool.whereis(name). */
  static childSpec<R>(id: string, options: PoolOptions<R>, name: string): ChildSpec {
    resolveOptions(options);
    return { id, start: async () => (await Pool.start(options, { link: true, name })).pid, shutdown: 10_000 };
  }

  /** The pool registered under `name` on this thread, or undefined. */
  static whereis<R>(name: string): Pool<R> | undefined {
    const pid = whereis(name);
    const core = pid === undefined ? undefined : localCores.get(String(pid));
    return core === undefined ? undefined : new Pool(core as PoolCore<R>, pid!, core.events);
  }

  /** A connection, now if one is idle, else when one is released or opened (FIFO), within acquireTimeoutMs. */
  acquire(options?: AcquireOptions): Promise<PooledConnection<R>> {
    return this.core.acquire(options?.signal);
  }

  /** Gives a connection back; throws NotLeasedError if it is not leased out. */
  release(conn: PooledConnection<R>): void {
    this.core.release(conn);
  }

  /** Gives back a connection found broken: it is closed, never handed out again. */
  destroy(conn: PooledConnection<R>): void {
    this.core.destroy(conn);
  }

  /**
   * Runs `fn` with a connection and releases it however fn ends; a transport
   * error (the factory's isTransportError) destroys the connection instead.
   */
  async use<T>(fn: (resource: R, conn: PooledConnection<R>) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    const conn = await this.core.acquire(options?.signal);
    let result: T;
    try {
      result = await fn(conn.resource, conn);
    } catch (error) {
      const broken = (this.core.options.factory.isTransportError ?? isTransportError)(error);
      if (broken) this.core.destroy(conn);
      else this.core.release(conn);
      throw error;
    }
    this.core.release(conn);
    return result;
  }

  stats(): PoolStats {
    return this.core.stats();
  }

  /** Hands out nothing more; closes idle connections now and leased ones as they are released. Resolves when all are closed. */
  async drain(): Promise<void> {
    if (this.core.closed === 'pool_stopped') return;
    // Refuse new acquires from now on; the pool process closes what is idle.
    this.core.closed ??= 'pool_draining';
    await GenServer.call(this.pid, 'drain' as never, Infinity);
  }

  /**
   * Drains for up to `deadlineMs`, then stops the pool process, which shuts
   * down every connection process left (each closes its connection).
   */
  async stop(deadlineMs = 5000): Promise<void> {
    if (this.core.closed === 'pool_stopped') return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.drain().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    this.core.closed = 'pool_stopped';
    await GenServer.stop(this.pid, 'normal').catch((error: unknown) => {
      if (!(error instanceof Error && /noproc|not running/i.test(error.message))) throw error;
    });
  }
}
