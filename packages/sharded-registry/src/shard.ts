/**
 * A shard process: it watches the holders of the names placed on its table.
 * Names are written by the registering caller (atomically, in the table);
 * the shard monitors each holder and removes its names when it exits,
 * including every process of a scheduler that died (DOWN { scheduler_down }).
 * On (re)start and after a reshard it rebuilds its monitors from its table,
 * so a crash of the shard loses no registration and leaks no monitor.
 */
import { DownMessage, GenServer, Pid, isPid, noreply, ok, reply, type ProcessContext, type Ref } from '@erlmcp/otp';
import { keyId } from './names';
import type { ShardedRegistry } from './registry';

export type ShardCast = { op: 'watch'; key: string | Uint8Array; pid: Pid } | { op: 'unwatch'; key: string | Uint8Array; pid: Pid };

interface Watch {
  pid: Pid;
  ref: Ref;
  /** The names it holds here, by key id. */
  keys: Map<string, string | Uint8Array>;
}

interface ShardState {
  registry: ShardedRegistry<unknown>;
  index: number;
  watches: Map<string, Watch>;
}

const pidKey = (pid: Pid): string => `${pid.node}.${pid.id}`;

function watch(state: ShardState, ctx: ProcessContext, pid: Pid, key: string | Uint8Array): void {
  const id = pidKey(pid);
  let w = state.watches.get(id);
  if (w === undefined) {
    w = { pid, ref: ctx.monitor(pid), keys: new Map() };
    state.watches.set(id, w);
  }
  w.keys.set(keyId(key), key);
}

/** Monitors exactly the holders of the rows in this shard's table, keeping monitors it already has. */
function resync(state: ShardState, ctx: ProcessContext): void {
  const old = state.watches;
  state.watches = new Map();
  for (const row of state.registry.rowsOf(state.index)) {
    const id = `${row[1]}.${row[2]}`;
    let w = state.watches.get(id);
    if (w === undefined) {
      const previous = old.get(id);
      const pid = previous?.pid ?? new Pid(row[1], row[2]);
      w = { pid, ref: previous?.ref ?? ctx.monitor(pid), keys: new Map() };
      state.watches.set(id, w);
    }
    w.keys.set(keyId(row[0]), row[0]);
  }
  for (const [id, w] of old) if (!state.watches.has(id)) ctx.demonitor(w.ref, { flush: true });
}

export const shardServer = GenServer.define({
  init: (args: { registry: ShardedRegistry<unknown>; index: number }, ctx: ProcessContext) => {
    const state: ShardState = { registry: args.registry, index: args.index, watches: new Map() };
    resync(state, ctx);
    return ok(state);
  },
  handleCall: (request: 'resync' | 'watched', _from, state: ShardState, ctx: ProcessContext) => {
    if (request === 'resync') resync(state, ctx);
    return reply(state.watches.size, state);
  },
  handleCast: (message: ShardCast, state: ShardState, ctx: ProcessContext) => {
    if (message.op === 'watch') {
      watch(state, ctx, message.pid, message.key);
    } else {
      const id = pidKey(message.pid);
      const w = state.watches.get(id);
      if (w !== undefined) {
        w.keys.delete(keyId(message.key));
        if (w.keys.size === 0) {
          ctx.demonitor(w.ref, { flush: true });
          state.watches.delete(id);
        }
      }
    }
    return noreply(state);
  },
  handleInfo: async (message: unknown, state: ShardState) => {
    if (message instanceof DownMessage && isPid(message.pid)) {
      const pid = message.pid;
      const id = pidKey(pid);
      const w = state.watches.get(id);
      if (w !== undefined && w.ref.id === message.ref.id) {
        state.watches.delete(id);
        for (const key of w.keys.values()) await state.registry.removeHeld(key, pid);
      }
    }
    return noreply(state);
  },
});
