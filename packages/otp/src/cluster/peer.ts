// One file past 400 lines on purpose: each method of SchedulerPeer is the sending half of one
// record kind (the receiving halves are record-handlers.ts), and splitting them from the
// state they share (pending calls, watches, requests, remote relations) would scatter that
// state. The rings are ring-transport.ts.
import type { RingBufferHandle, ThreadRegistryHandle } from '@erlmcp/shm';
import type { From } from '../call';
import type { ClusterService, RemoteStartKind } from '../cluster-service';
import type { SpawnOptions } from '../context';
import { CallExitError, OtpError } from '../errors';
import { linkedStartFailed } from '../linked-start';
import { Tag } from '../mailbox';
import { DownMessage } from '../messages';
import type { Node } from '../node';
import { Pid, Ref } from '../pid';
import type { Process } from '../process';
import type { SchedulerStats, WireProcessInfo } from '../process-info';
import type { ExitReason } from '../reason';
import { Codec } from './codec';
import { NameTable, type NameTableHandle } from './name-table';
import { recordHandlers, type LastTarget, type RecordPeer } from './record-handlers';
import { MAX_SCHEDULERS, RemoteRelations, schedulerDownReason, schedulerOf, type RemoteSpec } from './remote';
import { errorFrom, outcomeOf, type SpawnHandler, type SpawnOutcome, type SpawnRequest } from './remote-start';
import { RingTransport } from './ring-transport';
import { ShareRegistry, threadShares, type Shareable } from './shares';
import { Op, type BatchReader, type BatchWriter } from './wire';

/** Everything a scheduler thread needs to join the node: plain data and SharedArrayBuffers. */
export interface ClusterHandle {
  node: number;
  schedulers: number;
  /** Buffers already shared when this scheduler's thread starts (a replacement's inheritance). */
  shares?: [number, Shareable][];
  control: SharedArrayBuffer;
  rings: RingBufferHandle[];
  names: NameTableHandle;
  threads: ThreadRegistryHandle;
  /** The main thread's `ThreadRegistry.shared()`, which workers adopt: it learns of their deaths. */
  sharedThreads: ThreadRegistryHandle;
}

/** Words of the control block: per-scheduler pid counters, liveness, load, and shared counters. */
export const enum Control {
  PidSeq = 0,
  Alive = MAX_SCHEDULERS,
  Processes = MAX_SCHEDULERS * 2,
  RunQueue = MAX_SCHEDULERS * 3,
  /** Event-loop utilisation in permille. */
  Utilisation = MAX_SCHEDULERS * 4,
  RoundRobin = MAX_SCHEDULERS * 5,
  ShareSeq = MAX_SCHEDULERS * 5 + 1,
  /** Messages each scheduler has handled, modulo 2^32. */
  Messages = MAX_SCHEDULERS * 5 + 8,
  Words = MAX_SCHEDULERS * 6 + 8,
}

/**
 * One scheduler's view of the others: it routes sends, calls, links,
 * monitors and exit signals to processes on other threads as records in
 * their rings, and applies the records other threads send it. Records from
 * one scheduler to another arrive in the order they were written. The rings
 * themselves are ring-transport.ts; each record kind's handler is in
 * record-handlers.ts. It is the ClusterService the node reaches the cluster by.
 * The class is not part of the package's API (index.ts does not export it), so the
 * members the record handlers use (RecordPeer) are plain public ones.
 */
export class SchedulerPeer implements ClusterService, RecordPeer {
  readonly names: NameTable;
  readonly control: Int32Array;
  /** The rings to and from the other schedulers. */
  readonly transport: RingTransport;
  /** Calls this scheduler's processes made to other schedulers, by call ref. */
  readonly calls = new Map<number, { from: From; scheduler: number }>();
  /** Runtime-internal watches of processes on other schedulers, by ref. */
  readonly watches = new Map<number, { onExit: (reason: ExitReason) => void; target: number }>();
  /** Spawn requests waiting for their outcome, by request ref. */
  readonly requests = new Map<number, { resolve: (outcome: SpawnOutcome) => void; scheduler: number }>();
  /** Timer cancels waiting for the other scheduler's answer, by ref. */
  readonly cancels = new Map<number, { resolve: (left: number | false) => void; scheduler: number }>();
  /** Local processes with remote relations: the ones a scheduler's death concerns. */
  private readonly related = new Set<Process>();
  spawnHandler: SpawnHandler | undefined;
  /**
   * True when other schedulers sent something, or records wait to go out: the
   * scheduler ends its current run so they are applied or flushed.
   */
  readonly inboxReady: () => boolean;
  /** Applies whatever is ready in this scheduler's ring, without waiting. The scheduler calls it as it runs. */
  readonly poll: () => void;
  readonly shares: ShareRegistry;
  /** How this thread hands a newly shared buffer to the others (installed by the cluster or the worker). */
  publishShare: (id: number, buffer: Shareable) => void = () => {};

  constructor(
    readonly node: Node,
    readonly handle: ClusterHandle,
    readonly id: number,
  ) {
    this.control = new Int32Array(handle.control);
    this.transport = new RingTransport(handle.rings, id, new Codec(), (k) => this.isAlive(k), this.applyRecord);
    this.inboxReady = this.transport.inboxReady;
    this.poll = this.transport.poll;
    this.names = new NameTable(handle.names);
    this.shares = new ShareRegistry(
      () => (Atomics.add(this.control, Control.ShareSeq, 1) + 1) * MAX_SCHEDULERS + id,
      (shareId, buffer) => this.publishShare(shareId, buffer),
    );
    for (const [shareId, buffer] of handle.shares ?? []) this.shares.receive(shareId, buffer);
    this.shares.onArrival = () => this.transport.resumeParked();
    threadShares.registry = this.shares;
  }

  get schedulers(): number {
    return this.handle.schedulers;
  }

  /** A fresh pid id on scheduler `k`, from the shared counter (ids are never reused, even across a restart). */
  allocatePid(k: number): number {
    return (Atomics.add(this.control, Control.PidSeq + k, 1) + 1) * MAX_SCHEDULERS + k;
  }

  isAlive(k: number): boolean {
    return Atomics.load(this.control, Control.Alive + k) === 1;
  }

  /** Picks a scheduler for a new process. */
  place(policy: 'round_robin' | 'least_loaded'): number {
    const alive: number[] = [];
    for (let k = 0; k < this.schedulers; k++) if (this.isAlive(k)) alive.push(k);
    if (alive.length === 0) return this.id;
    if (policy === 'round_robin') return alive[Atomics.add(this.control, Control.RoundRobin, 1) % alive.length]!;
    let best = alive[0]!;
    let bestLoad = Infinity;
    for (const k of alive) {
      const load =
        Atomics.load(this.control, Control.RunQueue + k) * 4 + Atomics.load(this.control, Control.Processes + k);
      if (load < bestLoad) [best, bestLoad] = [k, load];
    }
    return best;
  }

  relationsOf(process: Process): RemoteRelations {
    if (process.remote === null) {
      process.remote = new RemoteRelations();
      this.related.add(process);
    }
    return process.remote;
  }

  // ---- outgoing ---------------------------------------------------------------

  /** The hot path of every cross-scheduler send and cast: written inline, no closure per record. */
  send(target: Pid, tag: Tag, message: unknown): void {
    const k = schedulerOf(target.id);
    const w = this.transport.writer(k);
    w.send(tag, target.id, message);
    this.transport.written(k, w);
  }

  call(target: Pid, from: From, request: unknown): void {
    const k = schedulerOf(target.id);
    const ref = this.node.makeRef().id;
    this.transport.record(k, (w) => {
      w.op(Op.Call);
      w.id(target.id);
      w.id(ref);
      w.value(request);
    });
    this.calls.set(ref, { from, scheduler: k });
    from.onSettle = () => this.calls.delete(ref);
  }

  stop(target: Pid, reason: ExitReason): void {
    this.send(target, Tag.System, { $stop: reason });
  }

  link(from: Process, to: Pid): void {
    this.relationsOf(from).links.add(to.id);
    this.transport.record(schedulerOf(to.id), (w) => {
      w.op(Op.Link);
      w.id(from.self.id);
      w.id(to.id);
    });
  }

  unlink(from: Process, to: Pid): void {
    from.remote?.links.delete(to.id);
    this.transport.record(schedulerOf(to.id), (w) => {
      w.op(Op.Unlink);
      w.id(from.self.id);
      w.id(to.id);
    });
  }

  exit(from: Pid, to: Pid, reason: ExitReason, viaLink: boolean): void {
    this.transport.record(schedulerOf(to.id), (w) => {
      w.op(Op.Exit);
      w.id(from.id);
      w.id(to.id);
      w.u8(viaLink ? 1 : 0);
      w.value(reason);
    });
  }

  monitor(watcher: Process, target: Pid, ref: Ref): void {
    this.relationsOf(watcher).monitoring.set(ref.id, { ref, target: target.id });
    this.sendMonitor(ref.id, watcher.self.id, target.id);
  }

  private sendMonitor(ref: number, watcher: number, target: number): void {
    this.transport.record(schedulerOf(target), (w) => {
      w.op(Op.Monitor);
      w.id(ref);
      w.id(watcher);
      w.id(target);
    });
  }

  demonitor(watcher: Process, ref: Ref): boolean {
    const entry = watcher.remote?.monitoring.get(ref.id);
    if (entry === undefined) return false;
    watcher.remote!.monitoring.delete(ref.id);
    this.sendDemonitor(ref.id, entry.target);
    return true;
  }

  /** Tells `watcher`'s scheduler that the process it monitored is down. */
  sendDown(ref: number, watcher: number, target: number, reason: ExitReason): void {
    this.transport.record(schedulerOf(watcher), (w) => {
      w.op(Op.Down);
      w.id(ref);
      w.id(watcher);
      w.id(target);
      w.value(reason);
    });
  }

  private sendDemonitor(ref: number, target: number): void {
    this.transport.record(schedulerOf(target), (w) => {
      w.op(Op.Demonitor);
      w.id(ref);
      w.id(target);
    });
  }

  /** A runtime-internal monitor of a remote process (awaitExit, supervisor shutdown, stop). */
  watch(target: Pid, onExit: (reason: ExitReason) => void): () => void {
    const k = schedulerOf(target.id);
    if (!this.isAlive(k)) {
      onExit(schedulerDownReason(k));
      return () => {};
    }
    const ref = this.node.makeRef().id;
    this.watches.set(ref, { onExit, target: target.id });
    this.sendMonitor(ref, this.id, target.id);
    return () => {
      if (this.watches.delete(ref)) this.sendDemonitor(ref, target.id);
    };
  }

  /** Asks scheduler k to start something; resolves with its outcome. */
  request(k: number, spawn: SpawnRequest): Promise<SpawnOutcome> {
    if (!this.isAlive(k))
      return Promise.resolve({
        error: { code: 'scheduler_down', message: `scheduler ${k} is down`, reason: schedulerDownReason(k) },
      });
    const ref = this.node.makeRef().id;
    return new Promise((resolve) => {
      this.requests.set(ref, { resolve, scheduler: k });
      this.transport.record(k, (w) => {
        w.op(Op.Spawn);
        w.id(ref);
        w.value(spawn);
      });
      this.transport.seal(k); // a spawn goes out at once, so nothing sent to the new pid can overtake it
    });
  }

  /** Spawns `spec` on scheduler k; the pid is allocated here, so the caller can link before the process exists. */
  spawnRemote(parent: Process | null, k: number, spec: RemoteSpec, options: SpawnOptions): Pid {
    const id = this.allocatePid(k);
    const link = options.link === true && parent !== null;
    if (link) this.relationsOf(parent).links.add(id);
    void this.request(k, {
      kind: 'spawn',
      module: spec.module,
      export: spec.export,
      args: spec.args ?? [],
      id,
      parent: link ? parent.self.id : undefined,
      name: options.name,
      trapExit: options.trapExit,
    });
    return new Pid(this.node.id, id);
  }

  /** Asks scheduler k to start a GenServer, supervisor or ProcLib behaviour linked to `parent`; the remote half of startLink. */
  async startRemote(
    parent: Process | null,
    k: number,
    kind: RemoteStartKind,
    spec: RemoteSpec,
    args: unknown,
    options: { name?: string; trapExit?: boolean; timeout?: number },
  ): Promise<Pid | 'ignore'> {
    const id = this.allocatePid(k);
    // Linked before the process exists, so an exit during its init cannot be missed.
    if (parent !== null) this.relationsOf(parent).links.add(id);
    const outcome = await this.request(k, {
      kind,
      module: spec.module,
      export: spec.export,
      args,
      id,
      parent: parent?.self.id,
      name: options.name,
      trapExit: options.trapExit,
      timeout: options.timeout,
    });
    if ('error' in outcome || outcome.ok === 'ignore') parent?.remote?.links.delete(id);
    if ('error' in outcome) {
      const error = errorFrom(outcome.error, options.name);
      // The process's exit signal came through the ring ahead of this outcome: it has reached the parent.
      if (parent !== null) return linkedStartFailed(parent, new Pid(this.node.id, id), error);
      throw error;
    }
    return outcome.ok === 'ignore' ? 'ignore' : new Pid(this.node.id, id);
  }

  /** Process info from scheduler k (one pid, or all of k's processes with id -1). */
  async remoteInfo(k: number, id: number): Promise<WireProcessInfo[] | WireProcessInfo | null> {
    const outcome = await this.request(k, { kind: 'info', module: '', export: '', args: null, id });
    if ('error' in outcome) return id === -1 ? [] : null; // a scheduler that is down has no processes
    return outcome.ok as WireProcessInfo[] | WireProcessInfo | null;
  }

  /**
   * Asks scheduler k to cancel its timer `timer` (a ref id); resolves with what cancelTimer answered
   * there. Records to k keep their order, so whatever this thread sends k afterwards finds it cancelled.
   */
  cancelTimer(k: number, timer: number): Promise<number | false> {
    if (!this.isAlive(k) || this.transport.stopped) return Promise.resolve(false); // its timers died with it
    const ref = this.node.makeRef().id;
    return new Promise((resolve) => {
      this.cancels.set(ref, { resolve, scheduler: k });
      this.transport.record(k, (w) => {
        w.op(Op.CancelTimer);
        w.id(ref);
        w.id(timer);
      });
    });
  }

  /** Tells the scheduler owning `pid` that it holds `name`, so the name is released when it exits. */
  named(pid: Pid, name: string): void {
    this.transport.record(schedulerOf(pid.id), (w) => {
      w.op(Op.Named);
      w.id(pid.id);
      w.value(name);
    });
  }

  /** The process is gone: tell the schedulers that link to it or monitor it. */
  onExit(process: Process, reason: ExitReason): void {
    Atomics.sub(this.control, Control.Processes + this.id, 1);
    const relations = process.remote;
    if (relations === null) return;
    process.remote = null;
    this.related.delete(process);
    for (const linked of relations.links) this.exit(process.self, this.pidOf(linked), reason, true);
    for (const [ref, watcher] of relations.monitoredBy) this.sendDown(ref, watcher, process.self.id, reason);
    for (const [ref, { target }] of relations.monitoring) this.sendDemonitor(ref, target);
  }

  onSpawn(): void {
    Atomics.add(this.control, Control.Processes + this.id, 1);
  }

  /** A Pid object for a pid id of this node. */
  pidOf(id: number): Pid {
    return new Pid(this.node.id, id);
  }

  // ---- incoming ---------------------------------------------------------------

  /** Writes one record to scheduler k (through the transport's batch for k). */
  record(k: number, write: (w: BatchWriter) => void): void {
    this.transport.record(k, write);
  }

  /** Reads this scheduler's ring until stopped. */
  start(): void {
    this.transport.start();
  }

  /** Applies one record from scheduler `source` through the table of record handlers (record-handlers.ts). */
  private readonly applyRecord = (r: BatchReader, source: number, last: LastTarget): void => {
    const op = r.u8();
    const handler = recordHandlers[op];
    if (handler === undefined) throw new OtpError('corrupt_frame', `unknown record ${op} from scheduler ${source}`);
    handler(r, source, this, last);
  };

  /** Starts what a Spawn record asks for, and answers with a Spawned record. */
  async handleSpawn(source: number, ref: number, request: SpawnRequest): Promise<void> {
    let outcome: SpawnOutcome;
    try {
      outcome = await this.spawnHandler!(request);
    } catch (error) {
      outcome = outcomeOf(error);
    }
    if (ref === 0) return;
    this.transport.record(source, (w) => {
      w.op(Op.Spawned);
      w.id(ref);
      w.value(outcome);
    });
  }

  /** Answers a call from scheduler k. */
  reply(k: number, ref: number, value: unknown): void {
    try {
      this.transport.record(k, (w) => {
        w.op(Op.Reply);
        w.id(ref);
        w.value(value);
      });
    } catch (error) {
      // A reply that cannot cross threads fails the call with the reason, rather than leaving it to time out.
      this.callFail(k, ref, false, (error as Error).message);
    }
  }

  /** Fails a call from scheduler k: its target is gone (noproc) or exited. */
  callFail(k: number, ref: number, noproc: boolean, reason: ExitReason): void {
    this.transport.record(k, (w) => {
      w.op(Op.CallFail);
      w.id(ref);
      w.u8(noproc ? 1 : 0);
      w.value(reason);
    });
  }

  /** Broadcast by the main thread when scheduler k's thread died. */
  schedulerDown(k: number): void {
    const reason = schedulerDownReason(k);
    const onK = (id: number) => schedulerOf(id) === k;
    for (const [ref, call] of this.calls) {
      if (call.scheduler === k) {
        this.calls.delete(ref);
        call.from.fail(new CallExitError(`a process on scheduler ${k}`, reason));
      }
    }
    for (const [ref, request] of this.requests) {
      if (request.scheduler === k) {
        this.requests.delete(ref);
        request.resolve({ error: { code: 'scheduler_down', message: `scheduler ${k} went down`, reason } });
      }
    }
    for (const [ref, cancel] of this.cancels) {
      if (cancel.scheduler === k) {
        this.cancels.delete(ref);
        cancel.resolve(false);
      }
    }
    for (const [ref, watch] of this.watches) {
      if (onK(watch.target)) {
        this.watches.delete(ref);
        watch.onExit(reason);
      }
    }
    for (const process of [...this.related]) {
      const relations = process.remote;
      if (relations === null) continue;
      for (const [ref, watcher] of relations.monitoredBy) if (onK(watcher)) relations.monitoredBy.delete(ref);
      for (const [ref, entry] of relations.monitoring) {
        if (!onK(entry.target)) continue;
        relations.monitoring.delete(ref);
        this.node.deliver(process, new DownMessage(entry.ref, this.pidOf(entry.target), reason));
      }
      for (const linked of relations.links) {
        if (!onK(linked)) continue;
        relations.links.delete(linked);
        this.node.signal(process, this.pidOf(linked), reason, true);
      }
    }
  }

  /** Tells every live scheduler (this one included) that scheduler k died. */
  broadcastSchedulerDown(k: number): void {
    for (let s = 0; s < this.schedulers; s++) {
      if (s === k || s === this.id || !this.isAlive(s)) continue;
      this.transport.record(s, (w) => {
        w.op(Op.SchedulerDown);
        w.u8(k);
      });
      this.transport.seal(s);
    }
    this.schedulerDown(k);
  }

  /** Every scheduler's figures, from the shared control block. */
  stats(): SchedulerStats[] {
    const out: SchedulerStats[] = [];
    for (let k = 0; k < this.schedulers; k++) {
      out.push({
        scheduler: k,
        alive: this.isAlive(k),
        processes: Atomics.load(this.control, Control.Processes + k),
        runQueue: Atomics.load(this.control, Control.RunQueue + k),
        utilisation: Atomics.load(this.control, Control.Utilisation + k) / 1000,
        messages: Atomics.load(this.control, Control.Messages + k) >>> 0,
      });
    }
    return out;
  }

  publishLoad(runQueue: number, utilisation: number, messages: number): void {
    Atomics.store(this.control, Control.RunQueue + this.id, runQueue);
    Atomics.store(this.control, Control.Messages + this.id, (messages % 2 ** 32) | 0);
    Atomics.store(this.control, Control.Utilisation + this.id, Math.round(utilisation * 1000));
  }

  /** Flushes what is queued and stops reading the ring. */
  async shutdown(): Promise<void> {
    this.transport.flush();
    const stopped = this.transport.stop();
    // No answer can arrive now: a pending cancel resolves as "not known here".
    for (const cancel of this.cancels.values()) cancel.resolve(false);
    this.cancels.clear();
    await stopped;
  }
}
