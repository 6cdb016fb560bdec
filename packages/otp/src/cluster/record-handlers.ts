import { attachCall, From } from '../call';
import { CallExitError, NoProcError } from '../errors';
import { Tag } from '../mailbox';
import { DownMessage } from '../messages';
import type { Node } from '../node';
import type { Pid } from '../pid';
import type { Process } from '../process';
import type { ExitReason } from '../reason';
import { StopRequest } from '../system-messages';
import { isSysRequest } from '../sys';
import type { DistControl } from '../distribution/relay';
import { applyControl, relayIn, relayOut } from '../distribution/worker-port';
import type { NameTable } from './name-table';
import type { RemoteRelations } from './remote';
import type { SpawnOutcome, SpawnRequest } from './remote-start';
import { Op, type BatchReader, type BatchWriter } from './wire';

/** The pid the previous record of a frame addressed, and its process: a burst of sends to one process looks it up once. */
export interface LastTarget {
  id: number;
  process: Process | undefined;
}

/** What the record handlers need of the scheduler's peer (SchedulerPeer implements it). */
export interface RecordPeer {
  readonly node: Node;
  readonly id: number;
  readonly names: NameTable;
  readonly calls: Map<number, { from: From; scheduler: number }>;
  readonly watches: Map<number, { onExit: (reason: ExitReason) => void; target: number }>;
  readonly requests: Map<number, { resolve: (outcome: SpawnOutcome) => void; scheduler: number }>;
  readonly cancels: Map<number, { resolve: (left: number | false) => void; scheduler: number }>;
  pidOf(id: number): Pid;
  relationsOf(process: Process): RemoteRelations;
  exit(from: Pid, to: Pid, reason: ExitReason, viaLink: boolean): void;
  reply(k: number, ref: number, value: unknown): void;
  callFail(k: number, ref: number, noproc: boolean, reason: ExitReason): void;
  sendDown(ref: number, watcher: number, target: number, reason: ExitReason): void;
  handleSpawn(source: number, ref: number, request: SpawnRequest): Promise<void>;
  schedulerDown(k: number): void;
  /** Writes one record to scheduler k. */
  record(k: number, write: (w: BatchWriter) => void): void;
}

/** Reads one record's fields (after its op) from a frame sent by scheduler `source`, and applies it. */
export type RecordHandler = (r: BatchReader, source: number, peer: RecordPeer, last: LastTarget) => void;

// One handler per record kind. The fields each reads are listed beside its Op in wire.ts;
// records from one scheduler arrive in the order they were written.
const handlers: { [K in Op]: RecordHandler } = {
  [Op.Send]: (r, _source, { node }, last) => {
    const tag = r.u8() as Tag;
    const id = r.id();
    if (id !== last.id) {
      last.id = id;
      last.process = node.lookupId(id);
    }
    const target = last.process !== undefined && last.process.alive ? last.process : undefined;
    const message = r.value();
    if (target === undefined) return;
    if (tag === Tag.System && typeof message === 'object' && message !== null && '$stop' in message) {
      // A spawned function would take the stop for its start and crash: it is left alone.
      if (target.behaviour !== null)
        node.deliver(target, new StopRequest((message as { $stop: ExitReason }).$stop), Tag.System);
    } else {
      node.deliver(target, message, tag);
    }
  },

  [Op.Call]: (r, source, peer) => {
    const targetId = r.id();
    const ref = r.id();
    const request = r.value();
    const node = peer.node;
    const target = node.lookupId(targetId);
    if (target === undefined) {
      peer.callFail(source, ref, true, 'noproc');
      return;
    }
    const from = new From(
      (value: unknown) => peer.reply(source, ref, value),
      (error: Error) =>
        peer.callFail(source, ref, false, error instanceof CallExitError ? error.reason : error.message),
      target,
      request,
    );
    attachCall(target, from);
    // A sys request is a system message at its target (see sys.ts).
    if (isSysRequest(request)) {
      if (target.behaviour === null)
        from.reply({ error: `${target.self} is a spawned function, not a behaviour: sys needs a behaviour's loop` });
      else node.deliver(target, from, Tag.System);
    } else {
      node.deliver(target, from, Tag.Call);
    }
  },

  [Op.Reply]: (r, _source, peer) => {
    const ref = r.id();
    const value = r.value();
    peer.calls.get(ref)?.from.reply(value);
  },

  [Op.CallFail]: (r, _source, peer) => {
    const ref = r.id();
    const noproc = r.u8() === 1;
    const reason = r.value() as ExitReason;
    const call = peer.calls.get(ref);
    if (call === undefined) return;
    const label = `a process on scheduler ${call.scheduler}`;
    call.from.fail(noproc ? new NoProcError(label) : new CallExitError(label, reason));
  },

  [Op.Link]: (r, _source, peer) => {
    const from = r.id();
    const toId = r.id();
    const to = peer.node.lookupId(toId);
    // Linking to a process that does not exist: the linker gets a noproc exit signal.
    if (to === undefined) peer.exit(peer.pidOf(toId), peer.pidOf(from), 'noproc', true);
    else peer.relationsOf(to).links.add(from);
  },

  [Op.Unlink]: (r, _source, peer) => {
    const from = r.id();
    peer.node.lookupId(r.id())?.remote?.links.delete(from);
  },

  [Op.Exit]: (r, _source, peer) => {
    const from = r.id();
    const to = peer.node.lookupId(r.id());
    const viaLink = r.u8() === 1;
    const reason = r.value() as ExitReason;
    if (to === undefined) return;
    // A link signal counts only if the link still stands (an unlink may have crossed it).
    if (viaLink && (to.remote === null || !to.remote.links.delete(from))) return;
    peer.node.signal(to, peer.pidOf(from), reason, viaLink);
  },

  [Op.Monitor]: (r, _source, peer) => {
    const ref = r.id();
    const watcher = r.id();
    const targetId = r.id();
    const target = peer.node.lookupId(targetId);
    if (target === undefined) peer.sendDown(ref, watcher, targetId, 'noproc');
    else peer.relationsOf(target).monitoredBy.set(ref, watcher);
  },

  [Op.Demonitor]: (r, _source, peer) => {
    const ref = r.id();
    peer.node.lookupId(r.id())?.remote?.monitoredBy.delete(ref);
  },

  [Op.Down]: (r, _source, peer) => {
    const ref = r.id();
    const watcherId = r.id();
    const target = r.id();
    const reason = r.value() as ExitReason;
    if (watcherId === peer.id) {
      // A runtime-internal watch this scheduler holds (Node.watch of a remote pid).
      const watch = peer.watches.get(ref);
      peer.watches.delete(ref);
      watch?.onExit(reason);
      return;
    }
    const watcher = peer.node.lookupId(watcherId);
    const monitoring = watcher?.remote?.monitoring;
    const entry = monitoring?.get(ref);
    if (watcher === undefined || monitoring === undefined || entry === undefined) return;
    monitoring.delete(ref);
    peer.node.deliver(watcher, new DownMessage(entry.ref, peer.pidOf(target), reason));
  },

  [Op.Spawn]: (r, source, peer) => {
    const ref = r.id();
    const request = r.value() as SpawnRequest;
    void peer.handleSpawn(source, ref, request);
  },

  [Op.Spawned]: (r, _source, peer) => {
    const ref = r.id();
    const outcome = r.value() as SpawnOutcome;
    const pending = peer.requests.get(ref);
    peer.requests.delete(ref);
    if (pending !== undefined) pending.resolve(outcome);
    else if ('ok' in outcome && typeof outcome.ok === 'number') {
      // Nobody waits for it any more (its scheduler was reported down meanwhile): do not leave an orphan.
      peer.exit(peer.node.pid, peer.pidOf(outcome.ok), 'kill', false);
    }
  },

  [Op.Named]: (r, _source, peer) => {
    const target = r.id();
    const name = r.value() as string;
    const process = peer.node.lookupId(target);
    if (process === undefined) peer.names.unregister(name, target);
    else process.name = name;
  },

  [Op.SchedulerDown]: (r, _source, peer) => {
    peer.schedulerDown(r.u8());
  },

  [Op.CancelTimer]: (r, source, peer) => {
    const ref = r.id();
    const left = peer.node.cancelLocalTimer(r.id());
    peer.record(source, (w) => {
      w.op(Op.TimerCancelled);
      w.id(ref);
      w.value(left);
    });
  },

  [Op.TimerCancelled]: (r, _source, peer) => {
    const ref = r.id();
    const left = r.value() as number | false;
    const pending = peer.cancels.get(ref);
    peer.cancels.delete(ref);
    pending?.resolve(left);
  },
  // Distribution on a multi-scheduler node: frames between worker schedulers and other nodes pass scheduler 0.
  [Op.DistOut]: (r, _source, peer) => {
    const to = r.id();
    relayOut(peer.node, to, r.value() as Uint8Array);
  },

  [Op.DistIn]: (r, _source, peer) => relayIn(peer.node, r.value() as Uint8Array),

  [Op.DistControl]: (r, _source, peer) => applyControl(peer.node, peer, r.value() as DistControl),
};

/** The handlers by op code, for a lookup per record without a switch; undefined for a byte no record kind has. */
export const recordHandlers: readonly (RecordHandler | undefined)[] = (() => {
  const table: (RecordHandler | undefined)[] = [];
  for (const [op, handler] of Object.entries(handlers)) table[Number(op)] = handler;
  return table;
})();
