/**
 * The AttentionServer: a GenServer that owns the shared memory and the
 * kernels' layout of requests, hands each request's tasks (one row tile of
 * one head) to the tile workers of its pool, a few per message and at most
 * DEPTH messages at a time per worker, and delivers rows in order as their
 * tiles finish.
 *
 * Calls:  { start }  a request (prefill, or a decode step on a cache) and its sink
 *         { openCache } | { closeCache } | 'stats'
 * Casts:  { hello } | { done }  from tile workers
 *         { read: id }          the reader took a chunk (or a process acked one)
 *         { cancel: id, error } AbortSignal, a closed stream
 * Info:   DOWN of a worker (its tasks are retried or the request fails) or of
 *         a request's owner (the request is cancelled).
 *
 * A cancelled or failed request keeps its memory until its running tasks
 * report, since they still write into it; then it is freed.
 */
import {
  DownMessage,
  formatReason,
  GenServer,
  noreply,
  ok,
  reply,
  type Pid,
  type ProcessContext,
  type Ref,
  whereis,
} from '@erlmcp/otp';
import type { AttentionEngine } from './engine';
import { AbortError, AttentionError, NotRunningError, WorkerDownError } from './errors';
import type { KernelName } from './kernel';
import { KvCache, type DecodeStep, type KvCacheOptions } from './kv-cache';
import { Request, type TaskOrder } from './request';
import type { AttentionInput, Dims } from './shape';
import type { AttentionStats, LastRequest } from './stats';
import type { Sink } from './stream';
import type { TileWorkerCast, WorkerReport } from './worker';

/** Messages in flight per worker: one running, one waiting in its mailbox, so it never idles between them. */
const DEPTH = 2;

/**
 * Tiles per message, at most. Each message costs the server an encode and the
 * worker a decode of the job and a report back; on a 2-core machine that
 * overhead (on the main thread, where the server lives) came to a fifth of
 * the CPU a request used with one tile per message.
 */
export const MAX_TASKS_PER_MESSAGE = 8;

/**
 * How many of a request's tasks one message carries: fewer as the request
 * runs out, so that near its end every worker still gets a share (there are
 * at least DEPTH * 2 messages' worth left per worker), and one task per
 * message for small requests such as a decode step, whose few tasks should
 * spread over every worker.
 * @internal
 */
export function tasksPerMessage(remaining: number, workers: number): number {
  return Math.max(1, Math.min(MAX_TASKS_PER_MESSAGE, Math.floor(remaining / (workers * DEPTH * 2))));
}

/** What the server needs from its FlashAttention (kept narrow: no cycle between the two). */
export interface ServerHost {
  readonly engine: AttentionEngine;
  readonly pool: readonly number[];
  workerName(scheduler: number): string;
}

export interface StartRequest {
  id: number;
  /** A prefill (checked by the caller: dims given), or a decode step on a cache. */
  prefill?: { input: AttentionInput; dims: Dims };
  decode?: { cache: KvCache; step: DecodeStep };
  sink: Sink;
  /** A process whose exit cancels the request. */
  owner?: Pid;
  window: number;
  retries: number;
  /** 'heads' for a request read whole (no reader to keep pace with): better cache reuse. Default 'rows'. */
  order?: TaskOrder;
}

export type ServerCall = { start: StartRequest } | { openCache: KvCacheOptions } | { closeCache: KvCache } | 'stats';
export type ServerReply = { ok: true } | { cache: KvCache } | { error: AttentionError } | AttentionStats;
export type ServerCast = WorkerReport | { read: number } | { cancel: number; error: AttentionError };

interface WorkerSlot {
  pid: Pid;
  monitor: string;
  kernel: KernelName;
  running: number;
  tasks: number;
  busyMs: number;
}

interface State {
  host: ServerHost;
  workers: Map<number, WorkerSlot>;
  /** Worker tallies kept across restarts of a scheduler's worker. */
  retired: Map<number, { tasks: number; busyMs: number }>;
  requests: Map<number, Request>;
  /** monitor key -> request id, for requests owned by a process. */
  owners: Map<string, number>;
  caches: Set<KvCache>;
  /** Scratch regions by scheduler and head size, allocated on first use and kept across worker restarts. */
  scratch: Map<string, { bytes: number; at: number }>;
  counts: {
    started: number;
    completed: number;
    failed: number;
    aborted: number;
    rows: number;
    flops: number;
    retried: number;
  };
  last: LastRequest | null;
}

const refKey = (ref: Ref): string => `${ref.node}.${ref.id}`;

function asError(error: unknown): AttentionError {
  return error instanceof AttentionError
    ? error
    : new AttentionError('ERR_ATTENTION', error instanceof Error ? error.message : String(error), { cause: error });
}

function addWorker(state: State, scheduler: number, pid: Pid, kernel: KernelName, ctx: ProcessContext): void {
  const existing = state.workers.get(scheduler);
  if (existing !== undefined && existing.pid.equals(pid)) return;
  state.workers.set(scheduler, { pid, monitor: refKey(ctx.monitor(pid)), kernel, running: 0, tasks: 0, busyMs: 0 });
}

/** Scheduler k's scratch for head size d: only what that d needs, so a d = 64 workload holds d = 64's tile scratch. */
function scratchFor(state: State, k: number, d: number): number {
  const key = `${k}:${d}`;
  let region = state.scratch.get(key);
  if (region === undefined) {
    const bytes = state.host.engine.kernel.scratchBytes(d);
    region = { bytes, at: bytes === 0 ? 0 : state.host.engine.memory.alloc(bytes) };
    state.scratch.set(key, region);
  }
  return region.at;
}

/** Hands out tasks, a round at a time over the workers, oldest request first. */
function pump(state: State): void {
  let gave = true;
  while (gave) {
    gave = false;
    for (const [k, slot] of state.workers) {
      if (slot.running >= DEPTH) continue;
      for (const request of state.requests.values()) {
        const tasks = request.takeMany(k, tasksPerMessage(request.remaining, state.workers.size));
        if (tasks.length === 0) continue;
        slot.running++;
        GenServer.cast(slot.pid, {
          run: request.job,
          tasks,
          scratch: scratchFor(state, k, request.job.d),
        } satisfies TileWorkerCast);
        gave = true;
        break;
      }
    }
  }
}

function start(state: State, req: StartRequest, ctx: ProcessContext): Request {
  const { engine } = state.host;
  let request: Request;
  // Jobs carry the request's id: the workers' reports name it.
  if (req.prefill !== undefined) {
    const job = { ...engine.load(req.prefill.input, req.prefill.dims), id: req.id };
    request = new Request(job, req.sink, req.window, req.retries, req.order ?? 'rows', () => engine.release(job));
  } else {
    const { cache, step } = req.decode!;
    if (cache.busy) throw new NotRunningError('a decode step is already running on this cache');
    const before = cache.length;
    const job = { ...cache.beginStep(step), id: req.id };
    cache.busy = true;
    request = new Request(job, req.sink, req.window, req.retries, 'rows', (completed) => {
      cache.busy = false;
      if (!completed) cache.rollback(before);
      cache.endStep(job);
    });
  }
  if (req.owner !== undefined) {
    request.ownerMonitor = refKey(ctx.monitor(req.owner));
    state.owners.set(request.ownerMonitor, req.id);
  }
  state.requests.set(req.id, request);
  state.counts.started++;
  return request;
}

/** Frees a request that is done, failed or cancelled, once none of its tasks is running. */
function settle(state: State, id: number, request: Request): void {
  if (request.running > 0) return;
  state.requests.delete(id);
  if (request.ownerMonitor !== undefined) state.owners.delete(request.ownerMonitor);
  const completed = request.stopped === null && request.finished;
  request.release(completed);
  if (completed) {
    const summary = request.summary();
    state.counts.completed++;
    state.counts.rows += summary.rows;
    state.counts.flops += summary.flops;
    state.last = {
      ...summary,
      rowsPerSecond: summary.rows / (summary.ms / 1000),
      gflops: summary.flops / (summary.ms * 1e6),
    };
    request.sink.finish(summary);
  }
}

function stopRequest(state: State, id: number, error: AttentionError): void {
  const request = state.requests.get(id);
  if (request === undefined || request.stopped !== null || request.finished) return;
  request.stopped = error;
  if (error instanceof AbortError) state.counts.aborted++;
  else state.counts.failed++;
  request.sink.fail(error);
  settle(state, id, request);
}

function onDone(state: State, report: Extract<WorkerReport, { done: number }>): void {
  const slot = state.workers.get(report.scheduler);
  if (slot !== undefined) {
    if (slot.running > 0) slot.running--;
    slot.tasks += report.tasks.length;
    slot.busyMs += report.ms;
  }
  const request = state.requests.get(report.done);
  if (request !== undefined) {
    for (const chunk of request.complete(report.tasks, report.flops))
      request.delivered(state.host.engine.readChunk(request.job, chunk));
    if (request.finished || request.stopped !== null) settle(state, report.done, request);
  }
  pump(state);
}

function onWorkerDown(state: State, scheduler: number, slot: WorkerSlot, reason: unknown): void {
  state.workers.delete(scheduler);
  const tally = state.retired.get(scheduler) ?? { tasks: 0, busyMs: 0 };
  state.retired.set(scheduler, { tasks: tally.tasks + slot.tasks, busyMs: tally.busyMs + slot.busyMs });
  for (const [id, request] of [...state.requests]) {
    const lost = request.lostOn(scheduler);
    if (lost.length === 0) continue;
    if (request.stopped !== null) settle(state, id, request);
    else if (request.retriesLeft > 0) {
      request.retriesLeft--;
      request.retry(lost);
      state.counts.retried += lost.length;
    } else stopRequest(state, id, new WorkerDownError(scheduler, reason));
  }
  pump(state);
}

function stats(state: State): AttentionStats {
  const { engine, pool } = state.host;
  const workers = pool.map((k) => {
    const slot = state.workers.get(k);
    const old = state.retired.get(k) ?? { tasks: 0, busyMs: 0 };
    return {
      scheduler: k,
      kernel: slot?.kernel ?? engine.kernel.name,
      tasks: old.tasks + (slot?.tasks ?? 0),
      busyMs: old.busyMs + (slot?.busyMs ?? 0),
      running: slot?.running ?? 0,
    };
  });
  const { started, completed, failed, aborted, rows, flops, retried } = state.counts;
  return {
    kernel: engine.kernel.name,
    schedulers: [...pool],
    workers,
    requests: { started, completed, failed, aborted, running: state.requests.size },
    rows,
    flops,
    retriedTasks: retried,
    last: state.last,
    scratchBytes: [...state.scratch.values()].reduce((n, r) => n + r.bytes, 0),
    memory: engine.memory.stats(),
  };
}

export const attentionServer = GenServer.define({
  name: 'flash_attention_server',
  init: (host: ServerHost, ctx: ProcessContext) => {
    const state: State = {
      host,
      workers: new Map(),
      retired: new Map(),
      requests: new Map(),
      owners: new Map(),
      caches: new Set(),
      scratch: new Map(),
      counts: { started: 0, completed: 0, failed: 0, aborted: 0, rows: 0, flops: 0, retried: 0 },
      last: null,
    };
    // Workers already running (the server restarted under them) are taken on; new ones say hello.
    for (const k of host.pool) {
      const pid = whereis(host.workerName(k));
      if (pid !== undefined) addWorker(state, k, pid, host.engine.kernel.name, ctx);
    }
    return ok(state);
  },

  handleCall: (request: ServerCall, _from, state: State, ctx: ProcessContext) => {
    if (request === 'stats') return reply<State, ServerReply>(stats(state), state);
    try {
      if ('start' in request) {
        start(state, request.start, ctx);
        pump(state);
        return reply<State, ServerReply>({ ok: true }, state);
      }
      if ('openCache' in request) {
        const cache = state.host.engine.createCache(request.openCache);
        state.caches.add(cache);
        return reply<State, ServerReply>({ cache }, state);
      }
      if (request.closeCache.busy) throw new NotRunningError('close: a decode step is running on this cache');
      request.closeCache.close();
      state.caches.delete(request.closeCache);
      return reply<State, ServerReply>({ ok: true }, state);
    } catch (error) {
      return reply<State, ServerReply>({ error: asError(error) }, state);
    }
  },

  handleCast: (message: ServerCast, state: State, ctx: ProcessContext) => {
    if ('done' in message) onDone(state, message);
    else if ('hello' in message) {
      addWorker(state, message.hello, message.pid, message.kernel, ctx);
      pump(state);
    } else if ('read' in message) {
      const request = state.requests.get(message.read);
      if (request !== undefined) {
        request.read++;
        pump(state);
      }
    } else stopRequest(state, message.cancel, message.error);
    return noreply(state);
  },

  handleInfo: (message: unknown, state: State) => {
    if (message instanceof DownMessage) {
      const key = refKey(message.ref);
      const owned = state.owners.get(key);
      if (owned !== undefined) {
        state.owners.delete(key);
        stopRequest(
          state,
          owned,
          new AbortError(`the process that owned the request exited (${formatReason(message.reason)})`),
        );
        pump(state);
      } else {
        for (const [k, slot] of state.workers) if (slot.monitor === key) onWorkerDown(state, k, slot, message.reason);
      }
    }
    return noreply(state);
  },

  terminate: (_reason, state: State) => {
    for (const [, request] of state.requests) {
      request.stopped ??= new NotRunningError('the attention server stopped');
      request.sink.fail(request.stopped);
      request.release(false);
    }
    state.requests.clear();
    for (const cache of state.caches) cache.close();
    state.caches.clear();
  },
});
