import { RingBuffer, type RingBufferHandle, type ThreadRegistryHandle } from '@erlmcp/shm';
import { attachCall, From } from '../call';
import { CallExitError, NoProcError, OtpError } from '../errors';
import { Tag } from '../mailbox';
import { DownMessage } from '../messages';
import type { Node } from '../node';
import { Pid, Ref } from '../pid';
import type { Process } from '../process';
import { Queue } from '../queue';
import type { ExitReason } from '../reason';
import { StopRequest } from '../system-messages';
import { isSysRequest } from '../sys';
import { Codec } from './codec';
import type { SchedulerStats } from './scheduler-api';
import { MissingShareError, ShareRegistry, threadShares, type Shareable } from './shares';
import { NameTable, type NameTableHandle } from './name-table';
import { MAX_SCHEDULERS, RemoteRelations, schedulerDownReason, schedulerOf } from './remote';
import { BatchReader, BatchWriter, Op } from './wire';
import { outcomeOf } from './spawn-handler';

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
  Words = MAX_SCHEDULERS * 5 + 8,
}

/** What a Spawn record asks for. */
export interface SpawnRequest {
  /** What to start; 'info' asks for process info instead (id: one pid, or -1 for all). */
  kind: 'spawn' | 'gen_server' | 'supervisor' | 'info';
  module: string;
  export: string;
  args: unknown;
  /** Preallocated pid id: the requester links or monitors before the process exists. */
  id: number;
  parent?: number;
  monitor?: { ref: number; watcher: number };
  name?: string;
  trapExit?: boolean;
  timeout?: number;
}

export type SpawnOutcome = { ok: unknown } | { error: { code: string; message: string; reason?: ExitReason } };

/** Starts what a Spawn record names, on this scheduler. Installed by the node (it needs GenServer and Supervisor). */
export type SpawnHandler = (request: SpawnRequest) => Promise<SpawnOutcome>;

/** Thrown inside apply when a record names a shared buffer that has not arrived: park from here. */
interface LastTarget {
  id: number;
  process: Process | undefined;
}

class ParkedAt {
  constructor(readonly position: number) {}
}

/** A batch is sealed into a ring frame once it reaches this size, so a long burst of sends streams. */
const FRAME_LIMIT = 64 * 1024;
/** The longest an idle scheduler polls its ring before it sleeps on Atomics.waitAsync. */
const SPIN_MS = 0.05;
/** A wake-up sooner than this after going to sleep says the other side answers fast: spinning would have paid. */
const QUICK_WAKE_MS = 0.2;
const resolved = Promise.resolve();

/**
 * One scheduler's view of the others: it routes sends, calls, links,
 * monitors and exit signals to processes on other threads as records in
 * their rings, and applies the records other threads send it. Records from
 * one scheduler to another arrive in the order they were written.
 */
export class SchedulerPeer {
  readonly names: NameTable;
  readonly control: Int32Array;
  private readonly rings: RingBuffer[];
  private readonly codec = new Codec();
  private readonly writers: BatchWriter[] = [];
  private readonly backlog: Queue<Uint8Array>[] = [];
  private readonly draining: boolean[] = [];
  private flushPending = false;
  private readonly calls = new Map<number, { from: From; scheduler: number }>();
  private readonly watches = new Map<number, { onExit: (reason: ExitReason) => void; target: number }>();
  private readonly requests = new Map<number, { resolve: (outcome: SpawnOutcome) => void; scheduler: number }>();
  private readonly cancels = new Map<number, { resolve: (left: number | false) => void; scheduler: number }>();
  /** Local processes with remote relations: the ones a scheduler's death concerns. */
  private readonly related = new Set<Process>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  spawnHandler: SpawnHandler | undefined;
  /** Frames waiting for a shared buffer, in arrival order; the first may be part-applied. */
  private readonly parked: { frame: Uint8Array; position: number }[] = [];
  readonly shares: ShareRegistry;
  /** How this thread hands a newly shared buffer to the others (installed by the cluster or the worker). */
  publishShare: (id: number, buffer: Shareable) => void = () => {};

  constructor(
    private readonly node: Node,
    readonly handle: ClusterHandle,
    readonly id: number,
  ) {
    this.control = new Int32Array(handle.control);
    this.rings = handle.rings.map((h) => RingBuffer.attach(h));
    this.names = new NameTable(handle.names);
    this.shares = new ShareRegistry(
      () => (Atomics.add(this.control, Control.ShareSeq, 1) + 1) * MAX_SCHEDULERS + id,
      (shareId, buffer) => this.publishShare(shareId, buffer),
    );
    for (const [shareId, buffer] of handle.shares ?? []) this.shares.receive(shareId, buffer);
    this.shares.onArrival = () => this.resumeParked();
    threadShares.registry = this.shares;
    for (let k = 0; k < handle.schedulers; k++) {
      this.writers.push(new BatchWriter(this.codec));
      this.backlog.push(new Queue<Uint8Array>());
      this.draining.push(false);
    }
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
      const load = Atomics.load(this.control, Control.RunQueue + k) * 4 + Atomics.load(this.control, Control.Processes + k);
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

  /** Starts a record for scheduler k; call commit() after writing its fields. */
  private writer(k: number): BatchWriter {
    const w = this.writers[k]!;
    if (w.empty) w.begin(this.id);
    return w;
  }

  /** Writes one record; if its payload cannot be encoded, the batch is left as it was and the error thrown. */
  private record(k: number, write: (w: BatchWriter) => void): void {
    const w = this.writer(k);
    const pos = w.pos;
    const records = w.records;
    try {
      write(w);
    } catch (error) {
      w.rewind(pos, records);
      throw error;
    }
    this.written(k, w);
  }

  private written(k: number, w: BatchWriter): void {
    if (w.pos >= FRAME_LIMIT) this.seal(k);
    else if (!this.flushPending) {
      this.flushPending = true;
      this.pendingSince = performance.now();
      void resolved.then(this.flush);
    }
  }

  /** The hot path of every cross-scheduler send and cast: written inline, no closure per record. */
  send(target: Pid, tag: Tag, message: unknown): void {
    const k = schedulerOf(target.id);
    const w = this.writer(k);
    const pos = w.pos;
    const records = w.records;
    w.op(Op.Send);
    w.u8(tag);
    w.id(target.id);
    try {
      w.value(message);
    } catch (error) {
      w.rewind(pos, records);
      throw error;
    }
    this.written(k, w);
  }

  call(target: Pid, from: From, request: unknown): void {
    const k = schedulerOf(target.id);
    const ref = this.node.makeRef().id;
    this.record(k, (w) => {
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
    this.record(schedulerOf(to.id), (w) => {
      w.op(Op.Link);
      w.id(from.self.id);
      w.id(to.id);
    });
  }

  unlink(from: Process, to: Pid): void {
    from.remote?.links.delete(to.id);
    this.record(schedulerOf(to.id), (w) => {
      w.op(Op.Unlink);
      w.id(from.self.id);
      w.id(to.id);
    });
  }

  exit(from: Pid, to: Pid, reason: ExitReason, viaLink: boolean): void {
    this.record(schedulerOf(to.id), (w) => {
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
    this.record(schedulerOf(target), (w) => {
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

  private sendDown(ref: number, watcher: number, target: number, reason: ExitReason): void {
    this.record(schedulerOf(watcher), (w) => {
      w.op(Op.Down);
      w.id(ref);
      w.id(watcher);
      w.id(target);
      w.value(reason);
    });
  }

  private sendDemonitor(ref: number, target: number): void {
    this.record(schedulerOf(target), (w) => {
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
    if (!this.isAlive(k)) return Promise.resolve({ error: { code: 'scheduler_down', message: `scheduler ${k} is down`, reason: schedulerDownReason(k) } });
    const ref = this.node.makeRef().id;
    return new Promise((resolve) => {
      this.requests.set(ref, { resolve, scheduler: k });
      this.record(k, (w) => {
        w.op(Op.Spawn);
        w.id(ref);
        w.value(spawn);
      });
      this.seal(k); // a spawn goes out at once, so nothing sent to the new pid can overtake it
    });
  }

  /**
   * Asks scheduler k to cancel its timer `timer` (a ref id); resolves with what cancelTimer answered
   * there. Records to k keep their order, so whatever this thread sends k afterwards finds it cancelled.
   */
  cancelTimer(k: number, timer: number): Promise<number | false> {
    if (!this.isAlive(k) || this.stopped) return Promise.resolve(false); // its timers died with it
    const ref = this.node.makeRef().id;
    return new Promise((resolve) => {
      this.cancels.set(ref, { resolve, scheduler: k });
      this.record(k, (w) => {
        w.op(Op.CancelTimer);
        w.id(ref);
        w.id(timer);
      });
    });
  }

  /** Tells the scheduler owning `pid` that it holds `name`, so the name is released when it exits. */
  named(pid: Pid, name: string): void {
    this.record(schedulerOf(pid.id), (w) => {
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
    for (const linked of relations.links) this.exit(process.self, this.pid(linked), reason, true);
    for (const [ref, watcher] of relations.monitoredBy) this.sendDown(ref, watcher, process.self.id, reason);
    for (const [ref, { target }] of relations.monitoring) this.sendDemonitor(ref, target);
  }

  onSpawn(): void {
    Atomics.add(this.control, Control.Processes + this.id, 1);
  }

  private pid(id: number): Pid {
    return new Pid(this.node.id, id);
  }

  /** Seals scheduler k's batch into a ring frame now. */
  private seal(k: number): void {
    const w = this.writers[k]!;
    if (w.empty) return;
    const bytes = w.bytes();
    const queue = this.backlog[k]!;
    if (queue.length === 0 && this.rings[k]!.tryWrite(bytes)) {
      w.rewind(0, 0);
      return;
    }
    // The ring is full: keep the frame, in order, and hand it over as room appears.
    queue.push(bytes.slice());
    w.rewind(0, 0);
    if (!this.draining[k]) void this.drainBacklog(k);
  }

  private readonly flush = (): void => {
    this.flushPending = false;
    this.pendingSince = 0;
    for (let k = 0; k < this.writers.length; k++) this.seal(k);
  };

  private async drainBacklog(k: number): Promise<void> {
    this.draining[k] = true;
    const queue = this.backlog[k]!;
    try {
      while (queue.length > 0 && !this.stopped) {
        await this.rings[k]!.writeAsync(queue.peek()!, 1000).then(
          () => queue.shift(),
          () => undefined, // still full after a second: try again; frames are never dropped or reordered
        );
        if (!this.isAlive(k) && queue.length > 0 && this.stopped) break;
      }
    } finally {
      this.draining[k] = false;
    }
  }

  // ---- incoming ---------------------------------------------------------------

  /** Reads this scheduler's ring until stopped: frames, then a short spin, then a wait. */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Whether the scheduler should pause between messages: other schedulers have
   * sent something, or records (replies, often) have waited to go out for
   * 0.1 ms — they are flushed by a microtask, which cannot run until the
   * scheduler's current drain returns. The clock is read only while records wait.
   */
  readonly inboxReady = (): boolean =>
    (!this.applying && this.rings[this.id]!.hasFrames()) || (this.pendingSince !== 0 && performance.now() - this.pendingSince > 0.1);
  /** When the oldest unflushed record was written (0: none). */
  private pendingSince = 0;

  /** Applies whatever is ready in this scheduler's ring, without waiting. The scheduler calls it as it runs. */
  readonly poll = (): void => {
    if (this.stopped || this.applying) return;
    const frames = this.rings[this.id]!.readBatch(16);
    if (frames.length === 0) return;
    this.applying = true;
    try {
      for (const frame of frames) this.receiveFrame(frame);
    } finally {
      this.applying = false;
    }
  };
  private applying = false;

  /**
   * How long to poll before sleeping, adapted to what polling has been worth:
   * doubled when a poll found work, halved (down to nothing) when it did not.
   * A request-reply exchange with a thread on another free core answers within
   * microseconds, so polling saves a wake-up; but when the cores are busy,
   * polling only steals the time the other side needs to answer.
   */
  private spinMs = SPIN_MS;

  private async run(): Promise<void> {
    const ring = this.rings[this.id]!;
    while (!this.stopped) {
      let frames = ring.readBatch(64);
      if (frames.length === 0 && this.spinMs > 0) {
        const until = performance.now() + this.spinMs;
        while (frames.length === 0 && performance.now() < until) frames = ring.readBatch(64);
        this.spinMs = frames.length > 0 ? Math.min(SPIN_MS, this.spinMs * 2) : this.spinMs < 0.004 ? 0 : this.spinMs / 2;
      }
      if (frames.length === 0) {
        const slept = performance.now();
        await ring.waitForDataAsync(250);
        // A quick wake-up means the other side is answering fast again: try polling once more.
        if (this.spinMs === 0 && performance.now() - slept < QUICK_WAKE_MS) this.spinMs = 0.005;
        continue;
      }
      this.applying = true;
      try {
        for (const frame of frames) this.receiveFrame(frame);
      } finally {
        this.applying = false;
      }
      // Let the scheduler run what was delivered, and timers and sockets have their turn.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Applies a frame unless earlier frames are parked (order first), parking it if it names an unknown buffer. */
  private receiveFrame(frame: Uint8Array): void {
    if (this.parked.length > 0) this.parked.push({ frame, position: 1 });
    else this.apply(frame, 1);
  }

  private resumeParked(): void {
    while (this.parked.length > 0) {
      const { frame, position } = this.parked.shift()!;
      if (!this.apply(frame, position)) return;
    }
  }

  /** Applies records from `start`; false if it had to park the frame for a shared buffer. */
  private apply(frame: Uint8Array, start: number): boolean {
    const r = new BatchReader(frame, this.codec);
    const source = r.u8();
    r.seek(start);
    try {
      this.applyRecords(r, source);
      return true;
    } catch (error) {
      if (!(error instanceof ParkedAt)) throw error;
      this.parked.unshift({ frame, position: error.position });
      return false;
    }
  }

  private applyRecords(r: BatchReader, source: number): void {
    const node = this.node;
    const last: LastTarget = { id: -1, process: undefined };
    while (!r.done) {
      const recordStart = r.position;
      try {
        this.applyRecord(r, source, node, last);
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a resume position for the caller, not an error: no stack wanted
        if (error instanceof MissingShareError) throw new ParkedAt(recordStart);
        throw error;
      }
    }
  }

  /** Applies one record. `last` caches a Send's target lookup: bursts go to one process. */
  private applyRecord(r: BatchReader, source: number, node: Node, last: LastTarget): void {
    {
      const op = r.u8() as Op;
      switch (op) {
        case Op.Send: {
          const tag = r.u8() as Tag;
          const id = r.id();
          if (id !== last.id) {
            last.id = id;
            last.process = node.lookupId(id);
          }
          const target = last.process !== undefined && last.process.alive ? last.process : undefined;
          const message = r.value();
          if (target === undefined) break;
          if (tag === Tag.System && typeof message === 'object' && message !== null && '$stop' in message) {
            // A spawned function would take the stop for its start and crash: it is left alone.
            if (target.behaviour !== null) node.deliver(target, new StopRequest((message as { $stop: ExitReason }).$stop), Tag.System);
          } else {
            node.deliver(target, message, tag);
          }
          break;
        }
        case Op.Call: {
          const targetId = r.id();
          const ref = r.id();
          const request = r.value();
          const target = node.lookupId(targetId);
          if (target === undefined) {
            this.callFail(source, ref, true, 'noproc');
            break;
          }
          const from = new From(
            (value: unknown) => this.reply(source, ref, value),
            (error: Error) => this.callFail(source, ref, false, error instanceof CallExitError ? error.reason : error.message),
            target,
            request,
          );
          attachCall(target, from);
          // A sys request is a system message at its target (see sys.ts).
          if (isSysRequest(request)) {
            if (target.behaviour === null) from.reply({ error: `${target.self} is a spawned function, not a behaviour: sys needs a behaviour's loop` });
            else node.deliver(target, from, Tag.System);
          } else {
            node.deliver(target, from, Tag.Call);
          }
          break;
        }
        case Op.Reply: {
          const ref = r.id();
          const value = r.value();
          this.calls.get(ref)?.from.reply(value);
          break;
        }
        case Op.CallFail: {
          const ref = r.id();
          const noproc = r.u8() === 1;
          const reason = r.value() as ExitReason;
          const call = this.calls.get(ref);
          if (call === undefined) break;
          const label = `a process on scheduler ${call.scheduler}`;
          call.from.fail(noproc ? new NoProcError(label) : new CallExitError(label, reason));
          break;
        }
        case Op.Link: {
          const from = r.id();
          const toId = r.id();
          const to = node.lookupId(toId);
          // Linking to a process that does not exist: the linker gets a noproc exit signal.
          if (to === undefined) this.exit(this.pid(toId), this.pid(from), 'noproc', true);
          else this.relationsOf(to).links.add(from);
          break;
        }
        case Op.Unlink: {
          const from = r.id();
          node.lookupId(r.id())?.remote?.links.delete(from);
          break;
        }
        case Op.Exit: {
          const from = r.id();
          const to = node.lookupId(r.id());
          const viaLink = r.u8() === 1;
          const reason = r.value() as ExitReason;
          if (to === undefined) break;
          if (viaLink) {
            // A link signal counts only if the link still stands (an unlink may have crossed it).
            if (to.remote === null || !to.remote.links.delete(from)) break;
          }
          node.signal(to, this.pid(from), reason, viaLink);
          break;
        }
        case Op.Monitor: {
          const ref = r.id();
          const watcher = r.id();
          const targetId = r.id();
          const target = node.lookupId(targetId);
          if (target === undefined) {
            this.sendDown(ref, watcher, targetId, 'noproc');
          } else {
            this.relationsOf(target).monitoredBy.set(ref, watcher);
          }
          break;
        }
        case Op.Demonitor: {
          const ref = r.id();
          node.lookupId(r.id())?.remote?.monitoredBy.delete(ref);
          break;
        }
        case Op.Down: {
          const ref = r.id();
          const watcherId = r.id();
          const target = r.id();
          const reason = r.value() as ExitReason;
          if (watcherId === this.id) {
            const watch = this.watches.get(ref);
            this.watches.delete(ref);
            watch?.onExit(reason);
            break;
          }
          const watcher = node.lookupId(watcherId);
          const entry = watcher?.remote?.monitoring.get(ref);
          if (watcher === undefined || entry === undefined) break;
          watcher.remote!.monitoring.delete(ref);
          node.deliver(watcher, new DownMessage(entry.ref, this.pid(target), reason));
          break;
        }
        case Op.Spawn: {
          const ref = r.id();
          const request = r.value() as SpawnRequest;
          void this.handleSpawn(source, ref, request);
          break;
        }
        case Op.Spawned: {
          const ref = r.id();
          const outcome = r.value() as SpawnOutcome;
          const pending = this.requests.get(ref);
          this.requests.delete(ref);
          if (pending !== undefined) pending.resolve(outcome);
          else if ('ok' in outcome && typeof outcome.ok === 'number') {
            // Nobody waits for it any more (its scheduler was reported down meanwhile): do not leave an orphan.
            this.exit(node.pid, this.pid(outcome.ok), 'kill', false);
          }
          break;
        }
        case Op.Named: {
          const target = r.id();
          const name = r.value() as string;
          const process = node.lookupId(target);
          if (process === undefined) this.names.unregister(name, target);
          else process.name = name;
          break;
        }
        case Op.SchedulerDown:
          this.schedulerDown(r.u8());
          break;
        case Op.CancelTimer: {
          const ref = r.id();
          const left = node.cancelLocalTimer(r.id());
          this.record(source, (w) => {
            w.op(Op.TimerCancelled);
            w.id(ref);
            w.value(left);
          });
          break;
        }
        case Op.TimerCancelled: {
          const ref = r.id();
          const left = r.value() as number | false;
          const pending = this.cancels.get(ref);
          this.cancels.delete(ref);
          pending?.resolve(left);
          break;
        }
        default:
          throw new OtpError('corrupt_frame', `unknown record ${String(op)} from scheduler ${source}`);
      }
    }
  }

  private async handleSpawn(source: number, ref: number, request: SpawnRequest): Promise<void> {
    let outcome: SpawnOutcome;
    try {
      outcome = await this.spawnHandler!(request);
    } catch (error) {
      outcome = outcomeOf(error);
    }
    if (ref === 0) return;
    this.record(source, (w) => {
      w.op(Op.Spawned);
      w.id(ref);
      w.value(outcome);
    });
  }

  private reply(k: number, ref: number, value: unknown): void {
    try {
      this.record(k, (w) => {
        w.op(Op.Reply);
        w.id(ref);
        w.value(value);
      });
    } catch (error) {
      // A reply that cannot cross threads fails the call with the reason, rather than leaving it to time out.
      this.callFail(k, ref, false, (error as Error).message);
    }
  }

  private callFail(k: number, ref: number, noproc: boolean, reason: ExitReason): void {
    this.record(k, (w) => {
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
        this.node.deliver(process, new DownMessage(entry.ref, this.pid(entry.target), reason));
      }
      for (const linked of relations.links) {
        if (!onK(linked)) continue;
        relations.links.delete(linked);
        this.node.signal(process, this.pid(linked), reason, true);
      }
    }
  }

  /** Tells every live scheduler (this one included) that scheduler k died. */
  broadcastSchedulerDown(k: number): void {
    for (let s = 0; s < this.schedulers; s++) {
      if (s === k || s === this.id || !this.isAlive(s)) continue;
      this.record(s, (w) => {
        w.op(Op.SchedulerDown);
        w.u8(k);
      });
      this.seal(s);
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
      });
    }
    return out;
  }

  publishLoad(runQueue: number, utilisation: number): void {
    Atomics.store(this.control, Control.RunQueue + this.id, runQueue);
    Atomics.store(this.control, Control.Utilisation + this.id, Math.round(utilisation * 1000));
  }

  /** Flushes what is queued and stops reading the ring. */
  async shutdown(): Promise<void> {
    this.flush();
    this.stopped = true;
    // No answer can arrive now: a pending cancel resolves as "not known here".
    for (const cancel of this.cancels.values()) cancel.resolve(false);
    this.cancels.clear();
    await this.loop;
  }
}
