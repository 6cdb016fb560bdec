/**
 * A shard's process on one scheduler. Names are written by the registering
 * caller (atomically, in the shard's table); this process monitors the
 * holders that run on its own scheduler, so the monitor and the casts that
 * ask for it never cross threads, and removes a holder's names when it exits.
 * On (re)start and after a reshard it rebuilds its monitors from its table,
 * so a crash loses no registration and leaks no monitor; a scheduler that
 * dies takes this process with it, and the incarnation its supervisor starts
 * on the replacement thread finds the dead holders' rows and removes them.
 */
import {
  DownMessage,
  GenServer,
  Pid,
  currentNode,
  isPid,
  isProcessAlive,
  noreply,
  ok,
  reply,
  schedulerOfPid,
  type ProcessContext,
  type Ref,
} from '@erlmcp/otp';
import type { Row } from './rows';

/** What a shard process needs of the registry (the registry object of its own thread). */
export interface ShardHost {
  /** Every row of table `index`. */
  rowsOf(index: number): Row[];
  /** Whether `pid` holds `key` in table `index` now. */
  holds(index: number, key: string | Uint8Array, pid: Pid): boolean;
  /** Deletes each key's row if `pid` still holds it. */
  removeHeld(keys: Iterable<string | Uint8Array>, pid: Pid): void | Promise<void>;
  /** Announces a new incarnation of shard `index`'s process on `scheduler`. */
  started(index: number, scheduler: number): void;
  /** Takes what this thread has queued for shard `index`'s process on `scheduler` and not sent yet. */
  drain(index: number, scheduler: number): ShardOp[];
}

export type ShardOp =
  { op: 'watch'; key: string | Uint8Array; pid: Pid } | { op: 'unwatch'; key: string | Uint8Array; pid: Pid };
/** One op, or the ops a thread queued for this process since it last yielded to its event loop, in order. */
export type ShardCast = ShardOp | { op: 'batch'; ops: ShardOp[] };
export type ShardCall = 'resync' | 'watched';

export interface ShardArgs {
  host: ShardHost;
  index: number;
  scheduler: number;
}

/** One monitored holder and the names it holds on this shard. */
interface Watch {
  readonly pid: Pid;
  readonly ref: Ref;
  readonly names: Set<string>;
  /** Non-string names by the hex of their msgpack bytes (bytes compare by identity in a Set). */
  bytes: Map<string, Uint8Array> | undefined;
}

export interface ShardState {
  readonly host: ShardHost;
  readonly index: number;
  readonly scheduler: number;
  /** By pid id: every holder here is a process of this node. */
  /** By watchKey of the holder. */
  watches: Map<number | string, Watch>;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function add(w: Watch, key: string | Uint8Array): void {
  if (typeof key === 'string') w.names.add(key);
  else (w.bytes ??= new Map()).set(hex(key), key);
}

function remove(w: Watch, key: string | Uint8Array): void {
  if (typeof key === 'string') w.names.delete(key);
  else w.bytes?.delete(hex(key));
}

/** A holder's key among the watches: its id for a process of this node, node/id for another node's (ids repeat across nodes). */
function watchKey(pid: Pid): number | string {
  return pid.node === currentNode().id ? pid.id : `${pid.node}/${pid.id}`;
}

/** The scheduler whose shard process monitors `pid`: its own for a process of this node, 0 for another node's (any scheduler can, 0 always exists). */
export function watcherScheduler(pid: Pid): number {
  return pid.node === currentNode().id ? schedulerOfPid(pid) : 0;
}

const empty = (w: Watch): boolean => w.names.size === 0 && (w.bytes === undefined || w.bytes.size === 0);

/**
 * Watches `pid` for `key`; false if `pid` has exited already (the holder runs
 * on this scheduler, so that is known now): its row must go at once, not at a
 * DOWN that would queue behind calls already waiting (settle's).
 */
function watch(state: ShardState, ctx: ProcessContext, pid: Pid, key: string | Uint8Array): boolean {
  let w = state.watches.get(watchKey(pid));
  if (w === undefined) {
    if (isProcessAlive(pid) === false) return false;
    w = { pid, ref: ctx.monitor(pid), names: new Set(), bytes: undefined };
    state.watches.set(watchKey(pid), w);
  }
  add(w, key);
  return true;
}

function unwatch(state: ShardState, ctx: ProcessContext, pid: Pid, key: string | Uint8Array): void {
  const w = state.watches.get(watchKey(pid));
  if (w === undefined) return;
  remove(w, key);
  if (empty(w)) {
    ctx.demonitor(w.ref, { flush: true });
    state.watches.delete(watchKey(pid));
  }
}

/** Monitors exactly the holders (on this scheduler) of the rows in this shard's table, keeping monitors it already has. */
function resync(state: ShardState, ctx: ProcessContext): void {
  const old = state.watches;
  const next = new Map<number | string, Watch>();
  for (const row of state.host.rowsOf(state.index)) {
    const key = watchKey(new Pid(row[1], row[2]));
    let w = next.get(key);
    if (w === undefined) {
      const pid = old.get(key)?.pid ?? new Pid(row[1], row[2]);
      if (watcherScheduler(pid) !== state.scheduler) continue;
      w = { pid, ref: old.get(key)?.ref ?? ctx.monitor(pid), names: new Set(), bytes: undefined };
      next.set(key, w);
    }
    add(w, row[0]);
  }
  for (const [key, w] of old) if (!next.has(key)) ctx.demonitor(w.ref, { flush: true });
  state.watches = next;
}

/**
 * Notes come from every thread, and a thread sends its own when it yields (or
 * a settle takes them early), so one may arrive after a later write of the
 * same name: an unwatch after the holder registered it again, a watch after
 * it was unregistered. The table is the truth (a later write sends its own
 * note after it): an unwatch whose holder holds the name again is dropped,
 * and a watch that would start a monitor is dropped if the name is gone. A
 * watch for a holder already monitored is not checked (a table read per
 * registration): a stale name there costs an entry until the holder exits,
 * whose conditional delete then leaves a new holder's row alone.
 */
async function apply(state: ShardState, ctx: ProcessContext, ops: readonly ShardOp[]): Promise<void> {
  const { host, index } = state;
  for (const op of ops) {
    if (op.op === 'unwatch') {
      if (!host.holds(index, op.key, op.pid)) unwatch(state, ctx, op.pid, op.key);
    } else if (state.watches.has(watchKey(op.pid)) || host.holds(index, op.key, op.pid)) {
      if (!watch(state, ctx, op.pid, op.key)) await host.removeHeld([op.key], op.pid);
    }
  }
}

export const shardServer = GenServer.define({
  init: (args: ShardArgs, ctx: ProcessContext) => {
    const state: ShardState = { host: args.host, index: args.index, scheduler: args.scheduler, watches: new Map() };
    // Announce first, then read the table: a writer that missed this incarnation wrote its row before we read.
    args.host.started(args.index, args.scheduler);
    resync(state, ctx);
    return ok(state);
  },
  handleCall: async (request: ShardCall, _from, state: ShardState, ctx: ProcessContext) => {
    if (request === 'resync') resync(state, ctx);
    // settle: what this thread queued for this process and has not sent (its thread has not yielded since) is taken here.
    else await apply(state, ctx, state.host.drain(state.index, state.scheduler));
    return reply(state.watches.size, state);
  },
  handleCast: async (message: ShardCast, state: ShardState, ctx: ProcessContext) => {
    await apply(state, ctx, message.op === 'batch' ? message.ops : [message]);
    return noreply(state);
  },
  handleInfo: async (message: unknown, state: ShardState) => {
    if (message instanceof DownMessage && isPid(message.pid)) {
      const w = state.watches.get(watchKey(message.pid));
      if (w !== undefined && w.ref.id === message.ref.id) {
        state.watches.delete(watchKey(message.pid));
        await state.host.removeHeld(w.names, w.pid);
        if (w.bytes !== undefined) await state.host.removeHeld(w.bytes.values(), w.pid);
      }
    }
    return noreply(state);
  },
});
