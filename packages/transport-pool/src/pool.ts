import { GenServer, Supervisor, whereis, type ChildSpec, type Pid } from '@erlmcp/otp';
import type { PooledConnection } from './connection';
import type { PoolCore } from './core';
import { isTransportError } from './factory';
import { type PoolOptions, resolveOptions } from './options';
import { localCores, localGroups, poolServer, type PoolCall, type PoolInit } from './pool-server';
import { memberName } from './pool-state';
import { groupName, sharedPoolSpec, warmAll } from './shared-pool';
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
    /** The pool process (with `schedulers: 'all'`, the supervisor of the sub-pools). */
    readonly pid: Pid,
    /** Sizing decisions and connection events of this scheduler's (sub-)pool (also emitted on the node's bus). */
    readonly events: PoolEvents,
    /** With `schedulers: 'all'`: the pool's name and how many sub-pools it has. */
    private readonly group?: { name: string; schedulers: number },
  ) {}

  /**
   * Starts a pool process (linked to the caller when `link` is set and the
   * caller is a process). With `prewarm` (the default), resolves once each of
   * the first `min` connects has succeeded or failed.
   */
  static async start<R>(
    options: PoolOptions<R>,
    startOptions: { link?: boolean; name?: string } = {},
  ): Promise<Pool<R>> {
    const resolved = resolveOptions(options);
    if (resolved.schedulers === 'all') {
      const group = groupName(startOptions.name);
      const spec = sharedPoolSpec(options, resolved, group);
      const how = startOptions.link === true ? Supervisor.startLink : Supervisor.start;
      await how(spec, { name: group });
      await warmAll(group, spec.children.length);
      return Pool.whereis<R>(group)!;
    }
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
    const resolved = resolveOptions(options);
    const type = resolved.schedulers === 'all' ? 'supervisor' : 'worker';
    return {
      id,
      type,
      start: async () => (await Pool.start(options, { link: true, name })).pid,
      shutdown: type === 'supervisor' ? 'infinity' : 10_000,
    };
  }

  /**
   * The pool registered under `name`, as code on this thread uses it: with
   * `schedulers: 'all'`, a handle on this scheduler's sub-pool (from any
   * scheduler of the node); otherwise the pool if it lives on this thread.
   */
  static whereis<R>(name: string): Pool<R> | undefined {
    const member = localGroups.get(name);
    if (member !== undefined) {
      const { core, shared } = member;
      return new Pool(core as PoolCore<R>, whereis(name) ?? core.pool, core.events, {
        name,
        schedulers: shared.schedulers,
      });
    }
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

  /** This scheduler's (sub-)pool: counted here, no message. */
  stats(): PoolStats {
    return this.core.stats();
  }

  /** Each scheduler's sub-pool's stats, in scheduler order (one entry, this pool's, without `schedulers: 'all'`). */
  async schedulerStats(): Promise<PoolStats[]> {
    return Promise.all(
      this.members().map(
        (m) => GenServer.call(m as never, 'stats' satisfies PoolCall as never, 5000) as Promise<PoolStats>,
      ),
    );
  }

  /** The pool processes: one, or one per scheduler. */
  private members(): (Pid | string)[] {
    const group = this.group;
    if (group === undefined) return [this.core.pool];
    return Array.from({ length: group.schedulers }, (_, k) => memberName(group.name, k));
  }

  /** Hands out nothing more; closes idle connections now and leased ones as they are released. Resolves when all are closed. */
  async drain(): Promise<void> {
    if (this.core.closed === 'pool_stopped') return;
    // Refuse new acquires from now on; the pool process closes what is idle.
    this.core.closed ??= 'pool_draining';
    await Promise.all(
      this.members().map((m) => GenServer.call(m as never, 'drain' satisfies PoolCall as never, Infinity)),
    );
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
