import path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter';
import { RingBuffer, ThreadRegistry } from '@erlmcp/shm';
import type { ClusterControl } from '../cluster-service';
import type { Node, NodeOptions } from '../node';
import { NameTable } from './name-table';
import { Control, SchedulerPeer, type ClusterHandle } from './peer';
import { schedulerOf } from './remote';
import type { Shareable } from './shares';
import { startLoadPublisher, type SchedulerApi, type SchedulerStats } from './scheduler-api';
import { installSpawnHandler } from './spawn-handler';
import { telemetryReceiver } from './telemetry-forward';

/** Bytes of each scheduler's inbound ring. */
const RING_BYTES = 4 * 1024 * 1024;

/** The compiled worker entry; under ts-jest the sources run from src/, the workers from dist/. */
function workerEntry(): string {
  const here = __dirname;
  if (__filename.endsWith('.ts')) return path.resolve(here, '..', '..', 'dist', 'cluster', 'scheduler-worker.js');
  return path.join(here, 'scheduler-worker.js');
}

interface SchedulerThread {
  worker: Worker;
  api: Comlink.Remote<SchedulerApi>;
  /** Carries shared buffers (postMessage can share them; rings cannot). */
  shares: MessagePort;
  /** Brings its telemetry, batched (telemetry-forward.ts). */
  telemetry: MessagePort;
}

/** A buffer published by one thread, for the others. */
interface ShareMessage {
  id: number;
  buffer: Shareable;
}

/**
 * The main thread's side of a multi-scheduler node: it owns the shared
 * memory, starts a worker thread per extra scheduler, replaces one that dies
 * (after telling everyone its processes are gone), and stops them all.
 */
export class Cluster implements ClusterControl {
  private readonly threads: (SchedulerThread | undefined)[] = [];
  private stopping = false;
  private readonly control: Int32Array;
  /** How many scheduler threads died and were replaced. */
  replacements = 0;
  /** Events the workers forward, with how many callers asked for each. */
  private readonly forwarded = new Map<string, number>();

  constructor(
    private readonly node: Node,
    private readonly peer: SchedulerPeer,
    readonly handle: ClusterHandle,
    private readonly registry: ThreadRegistry,
    private readonly names: NameTable,
    private readonly logLevel: string | undefined,
  ) {
    this.control = new Int32Array(handle.control);
  }

  startWorkers(): void {
    for (let k = 1; k < this.handle.schedulers; k++) this.startWorker(k);
  }

  private startWorker(k: number): void {
    const channel = new MessageChannel();
    const telemetry = new MessageChannel();
    const handle: ClusterHandle = { ...this.handle, shares: this.peer.shares.entries() };
    const worker = new Worker(workerEntry(), {
      workerData: {
        handle,
        scheduler: k,
        logLevel: this.logLevel,
        shares: channel.port2,
        telemetry: telemetry.port2,
        telemetryEvents: [...this.forwarded.keys()],
      },
      transferList: [channel.port2, telemetry.port2],
    });
    telemetry.port1.on('message', telemetryReceiver(this.node.events, k));
    telemetry.port1.unref();
    // A buffer a worker shares: keep it, and pass it to every other worker.
    channel.port1.on('message', ({ id, buffer }: ShareMessage) => {
      this.peer.shares.receive(id, buffer);
      this.broadcastShare(id, buffer, k);
    });
    channel.port1.unref();
    this.registry.watch(worker);
    // Also where ETS tables (and other shared-memory users) look by default, so that a
    // lock this thread held when it died can be recovered from it.
    ThreadRegistry.shared().watch(worker);
    const api = Comlink.wrap<SchedulerApi>(nodeEndpoint(worker));
    // Alive from now on: its ring buffers what is sent before the thread reads it.
    Atomics.store(this.control, Control.Alive + k, 1);
    worker.on('error', (error) =>
      this.node.logger.error(`scheduler ${k} thread failed: ${error.message}`, { stack: error.stack }),
    );
    worker.on('exit', (code) => this.onExit(k, worker, code));
    this.threads[k] = { worker, api, shares: channel.port1, telemetry: telemetry.port1 };
  }

  /** Has every worker (and every replacement) forward these events to this thread's bus; returns the release. */
  forwardTelemetry(events: readonly string[]): (() => void) & { ready: Promise<void> } {
    for (const event of events) this.forwarded.set(event, (this.forwarded.get(event) ?? 0) + 1);
    const ready = this.pushTelemetry();
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const event of events) {
        const n = (this.forwarded.get(event) ?? 1) - 1;
        if (n <= 0) this.forwarded.delete(event);
        else this.forwarded.set(event, n);
      }
      void this.pushTelemetry();
    };
    return Object.assign(release, { ready });
  }

  /** Tells every worker what to forward; resolves once each has it (a thread that died meanwhile counts as done). */
  private async pushTelemetry(): Promise<void> {
    if (this.stopping) return;
    const events = [...this.forwarded.keys()];
    await Promise.all(
      this.threads
        .filter((thread): thread is SchedulerThread => thread !== undefined)
        .map((thread) => thread.api.telemetry(events).catch(() => undefined)),
    );
  }

  /** Hands a buffer to every worker thread except `except`. */
  broadcastShare(id: number, buffer: Shareable, except = -1): void {
    for (let k = 1; k < this.threads.length; k++) {
      if (k !== except) this.threads[k]?.shares.postMessage({ id, buffer } satisfies ShareMessage);
    }
  }

  /** A scheduler thread died: its processes are gone; tell everyone, then start a replacement. */
  private onExit(k: number, worker: Worker, code: number): void {
    if (this.stopping || this.threads[k]?.worker !== worker) return;
    Atomics.store(this.control, Control.Alive + k, 0);
    Atomics.store(this.control, Control.Processes + k, 0);
    Atomics.store(this.control, Control.RunQueue + k, 0);
    const names = this.names.removeWhere((id) => schedulerOf(id) === k);
    this.node.logger.error(
      `scheduler ${k} died (exit code ${code}): its processes exited with {scheduler_down: ${k}}; ${names} names released; starting a replacement`,
    );
    this.peer.broadcastSchedulerDown(k);
    this.replacements++;
    this.node.events.emit('scheduler_down', { scheduler: k, exitCode: code });
    this.startWorker(k);
  }

  /** Ends scheduler k's thread abruptly, as a crash would (for fault tests and chaos drills). */
  async terminate(k: number): Promise<void> {
    const thread = this.threads[k];
    if (thread === undefined) throw new RangeError(`no worker scheduler ${k}`);
    await thread.worker.terminate();
  }

  /** Every scheduler's figures, from the shared control block. */
  stats(): SchedulerStats[] {
    return this.peer.stats();
  }

  /** The worker scheduler k's control API (its processes, its stop). */
  api(k: number): Comlink.Remote<SchedulerApi> | undefined {
    return this.threads[k]?.api;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const threads = this.threads.filter((t): t is SchedulerThread => t !== undefined);
    // Each worker kills its processes first, so their exits reach the others in order.
    await Promise.all(threads.map((t) => t.api.stop().catch(() => undefined)));
    await Promise.all(
      threads.map(async (t) => {
        t.api[Comlink.releaseProxy]();
        t.shares.close();
        t.telemetry.close();
        await t.worker.terminate();
      }),
    );
    for (let k = 1; k < this.handle.schedulers; k++) Atomics.store(this.control, Control.Alive + k, 0);
  }
}

/** Builds the shared memory, joins the main thread as scheduler 0, and starts the worker schedulers. */
export function startCluster(node: Node, schedulers: number, options: NodeOptions): void {
  const registry = ThreadRegistry.create({ capacity: 256 });
  registry.register();
  const rings = Array.from({ length: schedulers }, () => RingBuffer.create({ capacity: RING_BYTES, registry }));
  const names = NameTable.create(options.maxNames ?? 16384, registry);
  const handle: ClusterHandle = {
    node: node.id,
    schedulers,
    control: new SharedArrayBuffer(Control.Words * 4),
    rings: rings.map((r) => r.handle()),
    names: names.handle,
    threads: registry.handle(),
    sharedThreads: ThreadRegistry.shared().handle(),
  };
  const peer = new SchedulerPeer(node, handle, 0);
  node.joinCluster(peer);
  installSpawnHandler(node, peer);
  Atomics.store(new Int32Array(handle.control), Control.Alive, 1);
  const cluster = new Cluster(
    node,
    peer,
    handle,
    registry,
    names,
    options.logger === undefined ? options.logLevel : 'silent',
  );
  node.cluster = cluster;
  peer.publishShare = (id, buffer) => cluster.broadcastShare(id, buffer);
  cluster.startWorkers();
  peer.start();
  startLoadPublisher(node, peer, false);
}
