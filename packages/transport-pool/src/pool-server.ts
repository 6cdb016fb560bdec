import {
  currentNode,
  DownMessage,
  DynamicSupervisor,
  ExitMessage,
  GenServer,
  noreply,
  ok,
  reply,
  stop,
  type Pid,
  type ProcessContext,
} from '@erlmcp/otp';
import { type ConnectionArgs, type ConnectionReport, connectionServer, PooledConnection } from './connection';
import { coarseNow, PoolCore, type PoolCast } from './core';
import { ConnectError, PoolClosedError } from './errors';
import type { ResolvedOptions } from './options';
import { closing, type PoolState, type SharedInit } from './pool-state';
import { askToShed, roomMade, shed } from './shedding';
import { SharedLimit } from './shared-limit';
import type { PoolEvents } from './telemetry';

export interface PoolInit {
  options: ResolvedOptions<unknown>;
  events: PoolEvents;
  /** Resolved when each of the first `min` connects has settled (prewarm), with the core. */
  started: ((core: PoolCore<unknown>) => void) | undefined;
  shared?: SharedInit;
}

export type PoolCall = 'drain' | 'warm' | 'stats';

type Info = ConnectionReport | DownMessage | ExitMessage | 'sweep' | 'health' | 'retry';

/** The pool processes of this thread, so that a handle finds its core without a message. */
export const localCores = new Map<string, PoolCore<unknown>>();
/** This thread's sub-pool of each pool started with `schedulers: 'all'`, by the pool's name. */
export const localGroups = new Map<string, { core: PoolCore<unknown>; shared: SharedInit }>();

const now = (): number => performance.now();

function describe(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  try {
    return JSON.stringify(reason);
  } catch {
    return String(reason);
  }
}

/** Opens connections while some are wanted, within max, the concurrency limit and any backoff. */
function pump(state: PoolState, ctx: ProcessContext): void {
  const { core } = state;
  const o = core.options;
  if (core.closed !== undefined) {
    state.wanted = 0;
    return;
  }
  state.wanted = Math.min(state.wanted, core.room());
  if (state.wanted <= 0) return;
  const wait = state.notBefore - now();
  if (wait > 0) {
    if (state.retryTimer === undefined) state.retryTimer = ctx.sendAfter(Math.ceil(wait), 'retry');
    return;
  }
  while (state.wanted > 0 && core.connecting < o.connectConcurrency && core.room() > 0) {
    // Counted in the schedulers' common max before the connect starts; another scheduler may have taken the last place.
    if (core.limit !== undefined && !core.limit.take()) break;
    state.wanted--;
    open(state, ctx);
  }
}

function open(state: PoolState, ctx: ProcessContext): PooledConnection<unknown> {
  const { core } = state;
  const conn = new PooledConnection<unknown>(++state.nextId);
  core.conns.set(conn.id, conn);
  core.connecting++;
  const args: ConnectionArgs<unknown> = {
    conn,
    factory: core.options.factory,
    pool: ctx.self,
    connectTimeoutMs: core.options.connectTimeoutMs,
    closeTimeoutMs: 5000,
  };
  const self = ctx.self;
  DynamicSupervisor.startChild(state.sup, args).catch((error: unknown) => {
    // The child could not even start (init threw): report it as a failed connect.
    GenServer.cast(self, { op: 'start_failed', id: conn.id, reason: error } as never);
  });
  return conn;
}

/** Asks for `count` more connections (bounded by max) and says why on the telemetry bus. */
function grow(state: PoolState, ctx: ProcessContext, count: number, reason: 'min' | 'waiters' | 'watermark'): void {
  const room = state.core.room() - state.wanted;
  const n = Math.min(count, room);
  if (n <= 0) return;
  state.wanted += n;
  state.core.emit('pool:grow', { pool: state.core.options.name, size: state.core.conns.size, count: n, reason });
  pump(state, ctx);
}

/** What the pool needs beyond what it has: min, then one per waiter not already covered, then the watermark. */
function reconsider(state: PoolState, ctx: ProcessContext): void {
  const { core } = state;
  if (core.closed !== undefined) return;
  const o = core.options;
  const coming = core.connecting + state.wanted;
  const belowMin = o.min - core.conns.size - state.wanted;
  if (belowMin > 0) grow(state, ctx, belowMin, 'min');
  const uncovered = core.waiters.length - coming;
  if (uncovered > 0) {
    grow(state, ctx, uncovered, 'waiters');
    if (core.room() <= 0 && core.connecting + state.wanted < core.waiters.length) askToShed(state, ctx);
  } else if (coming === 0 && core.conns.size > 0 && core.leased >= o.highWatermark * core.conns.size)
    grow(state, ctx, 1, 'watermark');
}

function connectFailed(state: PoolState, ctx: ProcessContext, conn: PooledConnection<unknown>, reason: unknown): void {
  const { core } = state;
  if (core.conns.get(conn.id) !== conn || conn.state !== 'connecting') return;
  core.forget(conn);
  conn.state = 'dead';
  core.connecting--;
  core.failedConnects++;
  core.lastConnectError =
    reason instanceof ConnectError ? reason : new ConnectError(`connect failed: ${describe(reason)}`, reason);
  state.failureStreak++;
  // Full jitter (AWS's "exponential backoff and jitter"): uniform in [0, min(max, initial * 2^n)).
  const ceiling = Math.min(core.options.backoff.maxMs, core.options.backoff.initialMs * 2 ** (state.failureStreak - 1));
  const retryInMs = Math.random() * ceiling;
  state.notBefore = now() + retryInMs;
  core.emit('pool:connect_failed', {
    pool: core.options.name,
    size: core.conns.size,
    reason: describe(reason),
    retryInMs,
  });
  // The attempt is not lost: it is wanted again, after the backoff.
  if (core.closed === undefined) state.wanted++;
  settleWarm(state, conn.id);
  afterChange(state, ctx);
}

function settleWarm(state: PoolState, id: number): void {
  if (state.warming.delete(id) && state.warming.size === 0) warmed(state);
}

function warmed(state: PoolState): void {
  state.started?.(state.core);
  state.started = undefined;
  for (const from of state.warmed.splice(0)) GenServer.reply(from, true);
}

function afterChange(state: PoolState, ctx: ProcessContext): void {
  pump(state, ctx);
  reconsider(state, ctx);
  if (state.core.conns.size === 0 && state.core.closed !== undefined) {
    for (const done of state.drained.splice(0)) done();
  }
}

function connectionDown(state: PoolState, ctx: ProcessContext, conn: PooledConnection<unknown>, reason: unknown): void {
  const { core } = state;
  if (conn.state === 'connecting') return connectFailed(state, ctx, conn, reason);
  if (!core.forget(conn)) return;
  roomMade(state);
  const at = core.idle.indexOf(conn);
  if (at >= 0) core.idle.splice(at, 1);
  conn.state = 'dead';
  core.destroyed++;
  const text = describe(reason);
  if (typeof reason === 'object' && reason !== null && 'check_failed' in reason) {
    core.healthCheckFailures++;
    core.emit('pool:check_failed', { pool: core.options.name, id: conn.id, reason: text });
  }
  core.emit('pool:closed', { pool: core.options.name, size: core.conns.size, id: conn.id, reason: text });
  afterChange(state, ctx);
}

function callerDown(state: PoolState, ctx: ProcessContext, pid: Pid): void {
  const { core } = state;
  state.watched.delete(String(pid));
  for (const w of core.waiters.toArray()) if (w.pid !== undefined && w.pid.equals(pid)) core.giveUp(w, undefined);
  for (const conn of core.conns.values())
    if (conn.leased && conn.holder !== undefined && conn.holder.equals(pid)) core.release(conn);
  afterChange(state, ctx);
}

function sweep(state: PoolState): void {
  const { core } = state;
  const o = core.options;
  const t = coarseNow();
  // The oldest idle connections are at the front. Those already closing are counted once, not per step.
  let open = core.conns.size - closing(core);
  while (core.idle.length > 0 && open > o.min && t - core.idle[0]!.idleSince >= o.idleTimeoutMs) {
    const conn = core.idle.shift()!;
    open--;
    core.emit('pool:shrink', { pool: o.name, size: core.conns.size - 1, id: conn.id, reason: 'idle' });
    core.retire(conn);
  }
}

function healthCheck(state: PoolState): void {
  const { core } = state;
  const hc = core.options.healthCheck!;
  for (const conn of core.idle.splice(0)) {
    if (conn.state !== 'ready') continue;
    conn.state = 'checking';
    GenServer.cast(conn.pid!, { op: 'check', timeoutMs: hc.timeoutMs } as never);
  }
}

/** The pool process: owns connection lifecycle, supervision, growth and shrinking; callers share its core for the fast path. */
export const poolServer = GenServer.define({
  name: 'transport-pool',
  init: async (init: PoolInit, ctx) => {
    // Trapping exits, the pool runs terminate when its parent shuts it down: it then stops its
    // DynamicSupervisor and waits while each connection process closes its connection.
    ctx.trapExit(true);
    // The node this pool runs on, read before the first await (the current node is set only in a callback's synchronous part).
    const bus = init.options.telemetry === false ? undefined : (init.options.telemetry ?? currentNode().events);
    const { shared } = init;
    const limit = shared === undefined ? undefined : new SharedLimit(shared.buffer, shared.slot, init.options.max);
    // A restarted sub-pool returns the places its dead incarnation held (its connections died with it).
    limit?.reset();
    const sup = await DynamicSupervisor.startLink<[ConnectionArgs<unknown>]>({
      child: {
        start: (args) => GenServer.startLink(connectionServer, args as ConnectionArgs<unknown>),
        restart: 'temporary',
        shutdown: 5000,
      },
      intensity: 0,
    });
    const core = new PoolCore<unknown>(init.options, ctx.self, init.events, bus, limit);
    localCores.set(String(ctx.self), core);
    if (shared !== undefined) localGroups.set(shared.group, { core, shared });
    const state: PoolState = {
      core,
      sup,
      wanted: 0,
      failureStreak: 0,
      notBefore: 0,
      retryTimer: undefined,
      monitors: new Map(),
      watched: new Map(),
      warming: new Set(),
      started: init.started,
      warmed: [],
      drained: [],
      nextId: 0,
      shared,
      shedAsked: false,
      owed: [],
    };
    if (init.options.prewarm && init.options.min > 0) {
      core.emit('pool:grow', { pool: init.options.name, size: 0, count: init.options.min, reason: 'min' });
      state.wanted = init.options.min;
      const before = state.nextId;
      pump(state, ctx);
      // Connects beyond the concurrency limit get the next ids; under a shared max, only those that got a place are waited for.
      const last = limit === undefined ? before + init.options.min : state.nextId;
      for (let id = before + 1; id <= last; id++) state.warming.add(id);
      if (state.warming.size === 0) warmed(state);
    } else {
      warmed(state);
      reconsider(state, ctx);
    }
    ctx.sendAfter(init.options.sweepIntervalMs, 'sweep');
    if (init.options.healthCheck !== undefined) ctx.sendAfter(init.options.healthCheck.intervalMs, 'health');
    return ok(state);
  },
  /** drain: hand out nothing more, close idle connections now and leased ones as they come back; reply when all are closed. */
  handleCall: (request: PoolCall, from, state: PoolState) => {
    if (request === 'stats') return reply(state.core.stats() as unknown, state);
    if (request === 'warm') {
      if (state.started === undefined && state.warming.size === 0) return reply(true as unknown, state);
      state.warmed.push(from);
      return noreply(state);
    }
    state.core.closed ??= 'pool_draining';
    for (const w of state.core.waiters.toArray()) state.core.giveUp(w, new PoolClosedError('pool_draining'));
    for (const conn of state.core.idle.splice(0)) state.core.retire(conn);
    for (const conn of state.core.conns.values()) if (!conn.leased && conn.state === 'ready') state.core.retire(conn);
    if (state.core.conns.size === 0) return reply(true, state);
    state.drained.push(() => GenServer.reply(from, true));
    return noreply(state);
  },
  handleCast: (
    message:
      PoolCast | { op: 'start_failed'; id: number; reason: unknown } | { op: 'shed'; from: Pid } | { op: 'room' },
    state: PoolState,
    ctx,
  ) => {
    if (message.op === 'demand') {
      state.core.demandPending = false;
      afterChange(state, ctx);
    } else if (message.op === 'room') {
      // The sub-pool we asked closed a connection: its place in the common max is ours to take.
      state.shedAsked = false;
      afterChange(state, ctx);
    } else if (message.op === 'shed') {
      shed(state, message.from);
    } else if (message.op === 'watch') {
      const key = String(message.pid);
      if (!state.watched.has(key)) {
        const ref = ctx.monitor(message.pid);
        state.watched.set(key, ref);
        state.monitors.set(String(ref), { caller: message.pid });
      }
    } else {
      const conn = state.core.conns.get(message.id);
      if (conn !== undefined) connectFailed(state, ctx, conn, message.reason);
    }
    return noreply(state);
  },
  handleInfo: (message: Info, state: PoolState, ctx) => {
    const { core } = state;
    if (message instanceof ExitMessage) {
      // Our DynamicSupervisor died (the parent's exit is handled by GenServer itself): go down with it.
      if (message.from.equals(state.sup)) return stop(message.reason, state);
      return noreply(state);
    }
    if (message instanceof DownMessage) {
      const key = String(message.ref);
      const watcher = state.monitors.get(key);
      state.monitors.delete(key);
      if (watcher === undefined) return noreply(state);
      if ('conn' in watcher) connectionDown(state, ctx, watcher.conn, message.reason);
      else callerDown(state, ctx, watcher.caller);
    } else if (message === 'sweep') {
      sweep(state);
      state.shedAsked = false;
      if (state.shared !== undefined) reconsider(state, ctx);
      ctx.sendAfter(core.options.sweepIntervalMs, 'sweep');
    } else if (message === 'health') {
      if (core.closed === undefined) healthCheck(state);
      ctx.sendAfter(core.options.healthCheck!.intervalMs, 'health');
    } else if (message === 'retry') {
      state.retryTimer = undefined;
      afterChange(state, ctx);
    } else if (typeof message === 'object' && message !== null && 'tag' in message) {
      const conn = core.conns.get(message.id);
      if (conn === undefined) return noreply(state);
      if (message.tag === 'up') {
        if (conn.state !== 'connecting') return noreply(state);
        state.monitors.set(String(ctx.monitor(conn.pid!)), { conn });
        conn.state = 'ready';
        core.connecting--;
        core.created++;
        state.failureStreak = 0;
        core.emit('pool:connected', { pool: core.options.name, size: core.conns.size, id: conn.id });
        core.offer(conn);
        settleWarm(state, conn.id);
        afterChange(state, ctx);
      } else if (message.tag === 'checked') {
        if (conn.state === 'checking') {
          conn.state = 'ready';
          core.offer(conn);
        }
      } else {
        connectFailed(state, ctx, conn, message.reason);
      }
    }
    return noreply(state);
  },
  terminate: async (_reason, state: PoolState, ctx) => {
    const { core } = state;
    core.closed = 'pool_stopped';
    localCores.delete(String(core.pool));
    if (state.shared !== undefined && localGroups.get(state.shared.group)?.core === core)
      localGroups.delete(state.shared.group);
    for (const w of core.waiters.toArray()) core.giveUp(w, new PoolClosedError('pool_stopped'));
    core.idle.length = 0;
    core.clearDeadline();
    // Stopping the supervisor shuts every connection process down; each closes its connection in terminate.
    ctx.unlink(state.sup);
    await GenServer.stop(state.sup, 'shutdown').catch(() => undefined);
    for (const done of state.drained.splice(0)) done();
    // Every connection process is gone: give back the places this sub-pool held in the common max.
    core.limit?.reset();
  },
});
