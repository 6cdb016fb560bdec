// Past 400 lines on purpose: as in cluster/peer.ts, each outgoing method is the sending half of
// one record kind and the incoming switch right below holds the receiving halves; both share the
// pending calls, watches, spawn requests and relations, which splitting would scatter. The
// gateway's part (forward, schedulerLost, broadcast) shares the connected set and the batches;
// the ring records it relays through are relay.ts and worker-port.ts.
import { attachCall, From } from '../call';
import { CallExitError, NoCurrentProcessError, NoProcError, OtpError } from '../errors';
import { NodeDownError } from './node-down-error';
import { Tag } from '../mailbox';
import { DownMessage } from '../messages';
import type { Node } from '../node';
import { Pid, Ref } from '../pid';
import type { Process } from '../process';
import type { ExitReason } from '../reason';
import { StopRequest } from '../system-messages';
import { isSysRequest } from '../sys';
import { running } from '../current';
import type { DistributionService } from '../distribution-service';
import { Codec } from '../cluster/codec';
import type { RemoteSpec } from '../cluster/remote';
import { errorFrom } from '../cluster/remote-start';
import { MAX_SCHEDULERS, schedulerDownReason, schedulerOf } from '../cluster/remote';
import { BatchReader, Op } from '../cluster/wire';
import { NodeBatches, PLACE_LEAST_LOADED, PLACE_ROUND_ROBIN } from './batches';
import { keyOf, NodeRelations, type FrameTransport, type NodeSpawnOutcome, type NodeSpawnRequest } from './relations';
import { toWorkers, type DistControl } from './relay';
import { startFor } from './spawn-handler';

/** A record kind only nodes exchange: the sender considers this node down; drop every relation with it, as it did. */
const DISCONNECT = 40 as Op;
/** A record kind only nodes exchange: scheduler u8 of the sender died, and its processes with it. */
const SCHEDULER_GONE = 41 as Op;
/** Where a frame's destination scheduler byte sits: after the source scheduler (u8) and the source node (f64). */
const DEST_BYTE = 9;

/** Where a remote spawn or start lands on the other node: a scheduler number, or the node's own pick. */
export type RemotePlacement = number | 'round_robin' | 'least_loaded';

function placeByte(placement: RemotePlacement | undefined): number {
  if (placement === undefined || placement === 'round_robin') return PLACE_ROUND_ROBIN;
  if (placement === 'least_loaded') return PLACE_LEAST_LOADED;
  if (!Number.isInteger(placement) || placement < 0 || placement >= MAX_SCHEDULERS)
    throw new OtpError('badarg', `scheduler must be 0..${MAX_SCHEDULERS - 1}, round_robin or least_loaded`);
  return placement;
}

/**
 * One node's side of distribution: it routes sends, calls, links, monitors, exit signals and
 * spawns to processes of other nodes as the same records schedulers exchange (cluster/wire.ts,
 * msgpackr for values), batched per destination node and flushed once per turn of the event
 * loop, and applies the records other nodes send. A transport carries the frames; it tells the
 * port which nodes are connected (`nodeUp`/`nodeDown`). When a node goes down, links to its
 * processes deliver 'noconnection' exit signals, monitors DOWN 'noconnection', and calls to it
 * fail with NodeDownError, as in Erlang. Records between two nodes keep their order when the
 * transport keeps the order of frames (NATS does, per publisher and subject).
 *
 * On a multi-scheduler node every scheduler has a port of its own (its processes' relations,
 * calls and watches), batching per destination node and scheduler (a pid's id names its
 * scheduler). Scheduler 0 is the gateway: it owns the transport, relays the workers' frames
 * out and the frames for them in (relay.ts, through the rings, so order holds per pair of
 * processes), places remote spawns on a scheduler, and tells the workers which nodes are up.
 */
export class DistributionPort implements DistributionService {
  private readonly codec = new Codec();
  private readonly connected = new Set<number>();
  private readonly batches: NodeBatches;
  private readonly relations = new Map<Process, NodeRelations>();
  private readonly calls = new Map<number, { from: From; target: Pid }>();
  private readonly watches = new Map<number, { onExit: (reason: ExitReason) => void; target: Pid }>();
  /** Spawn requests by ref; `onOk` runs as the answer is read, before any later record from that node (the new process's exit). */
  private readonly requests = new Map<
    number,
    { resolve: (outcome: NodeSpawnOutcome) => void; node: number; onOk?: (id: number) => void }
  >();
  private detached = false;
  private noteListener: ((note: unknown) => void) | null = null;
  /** True on scheduler 0 of a multi-scheduler node: frames of the other schedulers pass through here. */
  private readonly gateway: boolean;
  private stopWatchingSchedulers: (() => void) | undefined;
  /** Frames received and records applied, for the transport's stats. */
  framesIn = 0;
  /** Frames relayed for worker schedulers (both ways), counted on the gateway. */
  framesRelayed = 0;

  private constructor(
    readonly node: Node,
    private readonly transport: FrameTransport,
  ) {
    this.gateway = node.schedulerId === 0 && node.peer !== null && node.peer.schedulers > 1;
    this.batches = new NodeBatches(this.codec, node.id, node.schedulerId, (to, frame) => transport.send(to, frame));
  }

  get framesOut(): number {
    return this.batches.framesOut;
  }

  /** Sends every pending batch now (they go out at the end of the current turn of the event loop anyway). */
  flush(): void {
    this.batches.flush();
  }

  /**
   * Installs a port on `node`. On scheduler 0 of a multi-scheduler node it also installs one on
   * every worker scheduler (and on a replacement of one that died), whose frames it relays.
   */
  static attach(node: Node, transport: FrameTransport): DistributionPort {
    if (node.dist !== null) throw new OtpError('already_distributed', `node ${node.id} already has a distribution`);
    const port = new DistributionPort(node, transport);
    node.joinDistribution(port);
    if (port.gateway) {
      port.broadcast({ kind: 'attach', nodes: [] });
      const onSchedulerDown = ({ scheduler }: { scheduler: number }) => port.schedulerLost(scheduler);
      node.events.on('scheduler_down', onSchedulerDown);
      port.stopWatchingSchedulers = () => node.events.off('scheduler_down', onSchedulerDown);
    }
    return port;
  }

  /** Scheduler 0: tells every live worker scheduler's port. */
  private broadcast(control: DistControl, only?: number): void {
    const peer = this.node.peer;
    if (!this.gateway || peer === null) return;
    for (let k = 1; k < peer.schedulers; k++)
      if ((only === undefined || k === only) && peer.isAlive(k)) toWorkers(peer, k, control);
  }

  /** Scheduler 0: worker scheduler k died; the nodes that hold relations with its processes fire them, and its replacement gets a port. */
  private schedulerLost(k: number): void {
    if (this.detached) return;
    for (const node of this.connected) {
      this.batches.record(node, 0, (w) => {
        w.op(SCHEDULER_GONE);
        w.u8(k);
      });
    }
    // The replacement reads its ring once started: it attaches with the nodes that are up now.
    const peer = this.node.peer!;
    toWorkers(peer, k, { kind: 'attach', nodes: [...this.connected] });
  }

  /** @internal Scheduler 0: a worker's frame for node `to`, out through the transport. */
  relayOut(to: number, frame: Uint8Array): void {
    if (!this.connected.has(to) || this.detached) return;
    this.framesRelayed++;
    this.transport.send(to, frame);
  }

  // ---- membership (driven by the transport) ---------------------------------

  isConnected(node: number): boolean {
    return this.connected.has(node);
  }

  /** The nodes this one is connected to. */
  nodes(): number[] {
    return [...this.connected];
  }

  nodeUp(node: number): void {
    if (node === this.node.id || this.connected.has(node)) return;
    this.connected.add(node);
    this.broadcast({ kind: 'up', node });
  }

  /**
   * Node `node` is gone or unreachable: fail what waits on it and fire links and monitors
   * with `reason`. With `tell`, the other node is told (if it still hears) to do the same,
   * so both sides drop the same relations.
   */
  nodeDown(node: number, reason: ExitReason = 'noconnection', tell = false): void {
    if (!this.connected.has(node)) return;
    if (tell) {
      this.batches.record(node, 0, (w) => w.op(DISCONNECT));
      this.batches.flushTo(node, 0);
    }
    this.connected.delete(node);
    this.batches.drop(node);
    this.broadcast({ kind: 'down', node, reason });
    this.lost(node, undefined, reason);
  }

  /** Fails what waits on processes of `node` (on scheduler `scheduler`, or any) and fires links and monitors with `reason`. */
  private lost(node: number, scheduler: number | undefined, reason: ExitReason): void {
    const gone = (pid: Pid) => pid.node === node && (scheduler === undefined || schedulerOf(pid.id) === scheduler);
    for (const [ref, call] of this.calls) {
      if (!gone(call.target)) continue;
      this.calls.delete(ref);
      call.from.fail(
        scheduler === undefined
          ? new NodeDownError(`a process on node ${node}`, node)
          : new CallExitError(`a process on node ${node}`, reason),
      );
    }
    if (scheduler === undefined) {
      for (const [ref, request] of this.requests) {
        if (request.node !== node) continue;
        this.requests.delete(ref);
        request.resolve({ error: { code: 'noconnection', message: `node ${node} went down`, reason } });
      }
    }
    for (const [ref, watch] of this.watches) {
      if (!gone(watch.target)) continue;
      this.watches.delete(ref);
      watch.onExit(reason);
    }
    for (const [process, relations] of [...this.relations]) {
      for (const [key, { watcher }] of relations.monitoredBy) if (gone(watcher)) relations.monitoredBy.delete(key);
      for (const [ref, entry] of relations.monitoring) {
        if (!gone(entry.target)) continue;
        relations.monitoring.delete(ref);
        this.node.deliver(process, new DownMessage(entry.ref, entry.target, reason));
      }
      for (const [key, pid] of relations.links) {
        if (!gone(pid)) continue;
        relations.links.delete(key);
        this.node.signal(process, pid, reason, true);
      }
      if (relations.empty) this.relations.delete(process);
    }
  }

  /** Every node down, and the node routes pids of other nodes nowhere again. */
  detach(reason: ExitReason = 'noconnection'): void {
    if (this.detached) return;
    this.flush();
    for (const node of [...this.connected]) this.nodeDown(node, reason);
    this.broadcast({ kind: 'detach', reason });
    this.stopWatchingSchedulers?.();
    this.detached = true;
    if (this.node.dist === this) this.node.joinDistribution(null);
  }

  /**
   * Scheduler 0 of a multi-scheduler node: hands `note` (any value the codec carries) to the
   * note listener of worker scheduler `only`, or of every live worker. A note travels the ring
   * with the frames and controls, and is applied as the worker reads it, before any message
   * sent after it reaches a process there: the transport's API on the workers keeps its state
   * in step with the port's.
   */
  tellWorkers(note: unknown, only?: number): void {
    this.broadcast({ kind: 'note', note }, only);
  }

  /** On a worker scheduler: where the notes of `tellWorkers` go (null: dropped). */
  onNote(listener: ((note: unknown) => void) | null): void {
    this.noteListener = listener;
  }

  /** @internal On a worker scheduler: what scheduler 0 says of the cluster (relay.ts). */
  control(control: DistControl): void {
    switch (control.kind) {
      case 'attach':
        for (const node of control.nodes) this.nodeUp(node);
        return;
      case 'up':
        return this.nodeUp(control.node);
      case 'down':
        return this.nodeDown(control.node, control.reason);
      case 'scheduler_gone':
        return this.lost(control.node, control.scheduler, schedulerDownReason(control.scheduler));
      case 'detach':
        return this.detach(control.reason);
      case 'note':
        return this.noteListener?.(control.note);
    }
  }

  // ---- outgoing ---------------------------------------------------------------

  /** Always true: a pid's scheduler on another node is that node's business; reachability is checked per operation. */
  isAlive(): boolean {
    return true;
  }

  send(target: Pid, tag: Tag, message: unknown): void {
    if (!this.connected.has(target.node)) return; // as Erlang: a send to an unreachable node is dropped
    const k = schedulerOf(target.id);
    const w = this.batches.writer(target.node, k);
    w.send(tag, target.id, message);
    this.batches.written(target.node, k, w);
  }

  call(target: Pid, from: From, request: unknown): void {
    if (!this.connected.has(target.node)) {
      from.fail(new NodeDownError(target.toString(), target.node));
      return;
    }
    const ref = this.node.makeRef().id;
    this.batches.record(target.node, schedulerOf(target.id), (w) => {
      w.op(Op.Call);
      w.id(target.id);
      w.id(ref);
      w.value(request);
    });
    this.calls.set(ref, { from, target });
    from.onSettle = () => this.calls.delete(ref);
  }

  stop(target: Pid, reason: ExitReason): void {
    this.send(target, Tag.System, { $stop: reason });
  }

  link(from: Process, to: Pid): void {
    if (!this.connected.has(to.node)) {
      this.node.signal(from, to, 'noconnection', true);
      return;
    }
    this.relationsOf(from).links.set(keyOf(to.node, to.id), to);
    this.batches.record(to.node, schedulerOf(to.id), (w) => {
      w.op(Op.Link);
      w.id(from.self.id);
      w.id(to.id);
    });
  }

  unlink(from: Process, to: Pid): void {
    this.relations.get(from)?.links.delete(keyOf(to.node, to.id));
    if (!this.connected.has(to.node)) return;
    this.batches.record(to.node, schedulerOf(to.id), (w) => {
      w.op(Op.Unlink);
      w.id(from.self.id);
      w.id(to.id);
    });
  }

  exit(from: Pid, to: Pid, reason: ExitReason, viaLink: boolean): void {
    if (!this.connected.has(to.node)) return;
    this.batches.record(to.node, schedulerOf(to.id), (w) => {
      w.op(Op.Exit);
      w.id(from.id);
      w.id(to.id);
      w.u8(viaLink ? 1 : 0);
      w.value(reason);
    });
  }

  monitor(watcher: Process, target: Pid, ref: Ref): void {
    if (!this.connected.has(target.node)) {
      this.node.deliver(watcher, new DownMessage(ref, target, 'noconnection'));
      return;
    }
    this.relationsOf(watcher).monitoring.set(ref.id, { ref, target });
    this.sendMonitor(ref.id, watcher.self.id, target);
  }

  demonitor(watcher: Process, ref: Ref): boolean {
    const relations = this.relations.get(watcher);
    const entry = relations?.monitoring.get(ref.id);
    if (relations === undefined || entry === undefined) return false;
    relations.monitoring.delete(ref.id);
    this.sendDemonitor(ref.id, entry.target);
    return true;
  }

  watch(target: Pid, onExit: (reason: ExitReason) => void): () => void {
    if (!this.connected.has(target.node)) {
      onExit('noconnection');
      return () => {};
    }
    const ref = this.node.makeRef().id;
    this.watches.set(ref, { onExit, target });
    // The watcher id is this scheduler's own (<N.k.0>): below MAX_SCHEDULERS, no process has it.
    this.sendMonitor(ref, this.node.schedulerId, target);
    return () => {
      if (this.watches.delete(ref)) this.sendDemonitor(ref, target);
    };
  }

  named(pid: Pid): void {
    throw new OtpError('badarg', `${pid} is a process of another node: a local name cannot hold it`);
  }

  /** A local process ended: tell the nodes that link to it or monitor it. */
  onExit(process: Process, reason: ExitReason): void {
    const relations = this.relations.get(process);
    if (relations === undefined) return;
    this.relations.delete(process);
    for (const pid of relations.links.values()) this.exit(process.self, pid, reason, true);
    for (const { watcher, ref } of relations.monitoredBy.values()) this.sendDown(ref, watcher, process.self.id, reason);
    for (const [ref, { target }] of relations.monitoring) this.sendDemonitor(ref, target);
  }

  /**
   * Spawns `spec` on node `node` (erlang:spawn/4): the module must load there, so it is named
   * by path or package. With `link` or `monitor`, the calling process links or monitors before
   * the new process runs. Resolves with the new pid (and the monitor's ref when asked).
   */
  async spawn(
    node: number,
    spec: RemoteSpec,
    options: {
      link?: boolean;
      monitor?: boolean;
      name?: string;
      trapExit?: boolean;
      parent?: Pid;
      scheduler?: RemotePlacement;
    } = {},
  ): Promise<{ pid: Pid; ref?: Ref }> {
    const place = placeByte(options.scheduler);
    const parent = this.parentOf(options.parent);
    if ((options.link === true || options.monitor === true) && parent === null)
      throw new NoCurrentProcessError(options.link === true ? 'spawnLink' : 'spawnMonitor');
    const ref = options.monitor === true ? this.node.makeRef() : undefined;
    const holdRelations = (id: number): void => {
      const pid = new Pid(node, id);
      if (options.link === true) this.relationsOf(parent!).links.set(keyOf(node, id), pid);
      if (ref !== undefined) this.relationsOf(parent!).monitoring.set(ref.id, { ref, target: pid });
    };
    const outcome = await this.request(node, place, holdRelations, {
      kind: 'spawn',
      module: spec.module,
      export: spec.export,
      args: spec.args ?? [],
      parent: options.link === true ? parent!.self.id : undefined,
      monitor: ref !== undefined ? { ref: ref.id, watcher: parent!.self.id } : undefined,
      name: options.name,
      trapExit: options.trapExit,
    });
    if ('error' in outcome) throw errorFrom(outcome.error as { code: string; message: string }, options.name);
    return { pid: new Pid(node, outcome.ok as number), ref };
  }

  /**
   * Starts a GenServer named by module and export on node `node`; with `link`, linked to the
   * calling process once its init has returned. Rejects with the start error otherwise.
   */
  async startServer(
    node: number,
    spec: RemoteSpec,
    args: unknown,
    options: { link?: boolean; name?: string; timeout?: number; parent?: Pid; scheduler?: RemotePlacement } = {},
  ): Promise<Pid | 'ignore'> {
    const place = placeByte(options.scheduler);
    const parent = this.parentOf(options.parent);
    if (options.link === true && parent === null) throw new NoCurrentProcessError('startLink');
    const link = (id: number): void => {
      if (options.link === true) this.relationsOf(parent!).links.set(keyOf(node, id), new Pid(node, id));
    };
    const outcome = await this.request(node, place, link, {
      kind: 'gen_server',
      module: spec.module,
      export: spec.export,
      args,
      parent: options.link === true ? parent!.self.id : undefined,
      name: options.name,
      timeout: options.timeout,
    });
    if ('error' in outcome) throw errorFrom(outcome.error as { code: string; message: string }, options.name);
    return outcome.ok === 'ignore' ? 'ignore' : new Pid(node, outcome.ok);
  }

  /** The process that links or monitors: the one named (after an await, ctx.self), else the caller. */
  private parentOf(pid: Pid | undefined): Process | null {
    if (pid === undefined) return running.process;
    const process = this.node.lookup(pid);
    if (process === undefined || !process.alive) throw new NoProcError(pid.toString());
    return process;
  }

  private request(
    node: number,
    place: number,
    onOk: (id: number) => void,
    request: NodeSpawnRequest,
  ): Promise<NodeSpawnOutcome> {
    if (!this.connected.has(node))
      return Promise.resolve({ error: { code: 'noconnection', message: `node ${node} is not connected` } });
    const ref = this.node.makeRef().id;
    return new Promise((resolve) => {
      this.requests.set(ref, { resolve, node, onOk });
      this.batches.record(node, place, (w) => {
        w.op(Op.Spawn);
        w.id(ref);
        w.value(request);
      });
    });
  }

  private sendMonitor(ref: number, watcher: number, target: Pid): void {
    this.batches.record(target.node, schedulerOf(target.id), (w) => {
      w.op(Op.Monitor);
      w.id(ref);
      w.id(watcher);
      w.id(target.id);
    });
  }

  private sendDemonitor(ref: number, target: Pid): void {
    if (!this.connected.has(target.node)) return;
    this.batches.record(target.node, schedulerOf(target.id), (w) => {
      w.op(Op.Demonitor);
      w.id(ref);
      w.id(target.id);
    });
  }

  private sendDown(ref: number, watcher: Pid, target: number, reason: ExitReason): void {
    if (!this.connected.has(watcher.node)) return;
    this.batches.record(watcher.node, schedulerOf(watcher.id), (w) => {
      w.op(Op.Down);
      w.id(ref);
      w.id(watcher.id);
      w.id(target);
      w.value(reason);
    });
  }

  /** Answers a call from scheduler `scheduler` of `node` (the caller's: the ref is its). */
  private reply(node: number, scheduler: number, ref: number, value: unknown): void {
    if (!this.connected.has(node)) return;
    try {
      this.batches.record(node, scheduler, (w) => {
        w.op(Op.Reply);
        w.id(ref);
        w.value(value);
      });
    } catch (error) {
      this.callFail(node, scheduler, ref, false, (error as Error).message);
    }
  }

  private callFail(node: number, scheduler: number, ref: number, noproc: boolean, reason: ExitReason): void {
    if (!this.connected.has(node)) return;
    this.batches.record(node, scheduler, (w) => {
      w.op(Op.CallFail);
      w.id(ref);
      w.u8(noproc ? 1 : 0);
      w.value(reason);
    });
  }

  /** @internal A local process's relations with other nodes' processes (allocated on first use). */
  relationsOf(process: Process): NodeRelations {
    let relations = this.relations.get(process);
    if (relations === undefined) this.relations.set(process, (relations = new NodeRelations()));
    return relations;
  }

  private answerSpawn(source: number, scheduler: number, ref: number, outcome: NodeSpawnOutcome): void {
    if (!this.connected.has(source)) {
      // The requester is gone: nobody will use the process.
      if ('ok' in outcome && typeof outcome.ok === 'number') this.node.exit(new Pid(this.node.id, outcome.ok), 'kill');
      return;
    }
    this.batches.record(source, scheduler, (w) => {
      w.op(Op.Spawned);
      w.id(ref);
      w.value(outcome);
    });
  }

  // ---- incoming ---------------------------------------------------------------

  /** Applies a frame another node sent; one from a node not connected (a straggler from before a nodedown) is dropped. */
  receive(frame: Uint8Array): void {
    const r = new BatchReader(frame, this.codec);
    const sourceScheduler = r.u8();
    const source = r.id();
    const dest = r.u8();
    if (!this.connected.has(source) || this.detached) return;
    if (dest !== this.node.schedulerId && this.gateway && !this.forward(frame, dest)) return;
    this.framesIn++;
    let lastId = -1;
    let last: Process | undefined;
    while (!r.done) {
      const op = r.u8() as Op;
      if (op === Op.Send) {
        // The hot path: a burst of sends to one process looks it up once.
        const tag = r.u8() as Tag;
        const id = r.id();
        if (id !== lastId) {
          lastId = id;
          last = this.node.lookupId(id);
        }
        const message = r.value();
        if (last !== undefined && last.alive) this.deliverSend(last, tag, message);
      } else {
        this.apply(op, r, source, sourceScheduler);
        if (!this.connected.has(source)) return; // a Disconnect: the rest of the frame belongs to the old connection
      }
    }
  }

  /**
   * Scheduler 0: a frame for a worker goes there through its ring (false); one to be placed (a
   * remote spawn) goes to the scheduler picked, which may be this one (true: apply it here). A
   * frame for a scheduler this node does not have, or that is down, is applied here, where its
   * records find no process: calls fail noproc, links and monitors answer noproc.
   */
  private forward(frame: Uint8Array, dest: number): boolean {
    const peer = this.node.peer!;
    let k = dest;
    if (dest === PLACE_ROUND_ROBIN || dest === PLACE_LEAST_LOADED) {
      k = this.node.placement(dest === PLACE_ROUND_ROBIN ? 'round_robin' : 'least_loaded');
    } else if (dest >= peer.schedulers || !peer.isAlive(dest)) k = this.node.schedulerId;
    if (k === this.node.schedulerId) return true;
    const copy = frame.slice();
    copy[DEST_BYTE] = k;
    this.framesRelayed++;
    toWorkers(peer, k, copy);
    return false;
  }

  private deliverSend(target: Process, tag: Tag, message: unknown): void {
    if (tag === Tag.System && typeof message === 'object' && message !== null && '$stop' in message) {
      if (target.behaviour !== null)
        this.node.deliver(target, new StopRequest((message as { $stop: ExitReason }).$stop), Tag.System);
    } else {
      this.node.deliver(target, message, tag);
    }
  }

  private apply(op: Op, r: BatchReader, source: number, sourceScheduler: number): void {
    const node = this.node;
    switch (op) {
      case Op.Call: {
        const target = node.lookupId(r.id());
        const ref = r.id();
        const request = r.value();
        if (target === undefined || !target.alive) return this.callFail(source, sourceScheduler, ref, true, 'noproc');
        const from = new From(
          (value: unknown) => this.reply(source, sourceScheduler, ref, value),
          (error: Error) =>
            this.callFail(
              source,
              sourceScheduler,
              ref,
              false,
              error instanceof CallExitError ? error.reason : error.message,
            ),
          target,
          request,
        );
        attachCall(target, from);
        if (isSysRequest(request)) {
          if (target.behaviour === null) from.reply({ error: `${target.self} is a spawned function, not a behaviour` });
          else node.deliver(target, from, Tag.System);
        } else node.deliver(target, from, Tag.Call);
        return;
      }
      case Op.Reply: {
        const ref = r.id();
        const value = r.value();
        this.calls.get(ref)?.from.reply(value);
        return;
      }
      case Op.CallFail: {
        const ref = r.id();
        const noproc = r.u8() === 1;
        const reason = r.value() as ExitReason;
        const call = this.calls.get(ref);
        if (call === undefined) return;
        const label = `a process on node ${source}`;
        call.from.fail(noproc ? new NoProcError(label) : new CallExitError(label, reason));
        return;
      }
      case Op.Link: {
        const from = new Pid(source, r.id());
        const toId = r.id();
        const to = node.lookupId(toId);
        if (to === undefined || !to.alive) this.exit(new Pid(node.id, toId), from, 'noproc', true);
        else this.relationsOf(to).links.set(keyOf(source, from.id), from);
        return;
      }
      case Op.Unlink: {
        const from = r.id();
        const to = node.lookupId(r.id());
        if (to !== undefined) this.relations.get(to)?.links.delete(keyOf(source, from));
        return;
      }
      case Op.Exit: {
        const from = new Pid(source, r.id());
        const to = node.lookupId(r.id());
        const viaLink = r.u8() === 1;
        const reason = r.value() as ExitReason;
        if (to === undefined) return;
        // A link signal counts only if the link still stands (an unlink may have crossed it).
        if (viaLink && this.relations.get(to)?.links.delete(keyOf(source, from.id)) !== true) return;
        node.signal(to, from, reason, viaLink);
        return;
      }
      case Op.Monitor: {
        const ref = r.id();
        const watcher = new Pid(source, r.id());
        const targetId = r.id();
        const target = node.lookupId(targetId);
        if (target === undefined || !target.alive) this.sendDown(ref, watcher, targetId, 'noproc');
        else this.relationsOf(target).monitoredBy.set(keyOf(source, ref), { watcher, ref });
        return;
      }
      case Op.Demonitor: {
        const ref = r.id();
        const target = node.lookupId(r.id());
        if (target !== undefined) this.relations.get(target)?.monitoredBy.delete(keyOf(source, ref));
        return;
      }
      case Op.Down: {
        const ref = r.id();
        const watcherId = r.id();
        const target = new Pid(source, r.id());
        const reason = r.value() as ExitReason;
        if (watcherId < MAX_SCHEDULERS) {
          const watch = this.watches.get(ref);
          this.watches.delete(ref);
          watch?.onExit(reason);
          return;
        }
        const watcher = node.lookupId(watcherId);
        const monitoring = watcher === undefined ? undefined : this.relations.get(watcher)?.monitoring;
        const entry = monitoring?.get(ref);
        if (watcher === undefined || entry === undefined) return;
        monitoring!.delete(ref);
        node.deliver(watcher, new DownMessage(entry.ref, target, reason));
        return;
      }
      case Op.Spawn: {
        const ref = r.id();
        const request = r.value() as NodeSpawnRequest;
        const outcome = startFor(this.node, this, source, request);
        if (outcome instanceof Promise)
          void outcome.then((settled) => this.answerSpawn(source, sourceScheduler, ref, settled));
        else this.answerSpawn(source, sourceScheduler, ref, outcome);
        return;
      }
      case Op.Spawned: {
        const ref = r.id();
        const outcome = r.value() as NodeSpawnOutcome;
        const pending = this.requests.get(ref);
        this.requests.delete(ref);
        if (pending !== undefined) {
          if ('ok' in outcome && typeof outcome.ok === 'number') pending.onOk?.(outcome.ok);
          pending.resolve(outcome);
        } else if ('ok' in outcome && typeof outcome.ok === 'number')
          this.exit(node.pid, new Pid(source, outcome.ok), 'kill', false); // nobody waits for it: no orphan
        return;
      }
      case DISCONNECT:
        this.nodeDown(source);
        return;
      case SCHEDULER_GONE: {
        const k = r.u8();
        this.broadcast({ kind: 'scheduler_gone', node: source, scheduler: k });
        this.lost(source, k, schedulerDownReason(k));
        return;
      }
      default:
        throw new OtpError('corrupt_frame', `unknown record ${op} from node ${source}`);
    }
  }
}
