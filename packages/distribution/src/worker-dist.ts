import {
  CallTimeoutError,
  DistributionPort,
  Pid,
  type ChildSpec,
  type Node,
  type Ref,
  type RemoteSpec,
  nodeRuntime,
  type NodeRuntime,
} from '@erlmcp/otp';
import { NodeWatchers } from './node-watchers';
import {
  AGENT_NAME,
  errorOf,
  type AgentAnswer,
  type AgentAsk,
  type AgentEvent,
  type AgentRequest,
  type Snapshot,
} from './agent-protocol';
import type { DistApi, GlobalNames } from './dist-api';
import type { NodeEvent, RemoteSpawnOptions } from './dist-types';
import { NodeDirectory } from './directory';
import { DistBadArgError, NotDistributedError, UnknownNodeError } from './errors';
import { remoteChild, type RemoteChildSpec, type RemoteStartOptions } from './remote-child';

export interface WorkerDistOptions {
  /**
   * How long a worker thread waits for the main thread's DistNode to answer (the snapshot,
   * register, unregister), in ms; default 30 s. Taken by the first `here()` on a thread.
   */
  timeoutMs?: number;
}

const opened = new Map<Node, Promise<WorkerDist>>();

/**
 * The DistNode API on a worker scheduler thread. Spawns and starts on other nodes go through
 * this scheduler's own port (so links and monitors the caller asks for live here, and fire
 * here); global registration and unregistration are forwarded to the main thread's DistNode
 * (its DistAgent), with a timeout; membership, `whereisName` and `monitorNode` answer from
 * this thread's copy, kept from the agent's events. Events and answers are notes of the port,
 * applied as this thread reads its ring: an answer never overtakes an event sent before it
 * (after `registerName` resolves, `whereisName` here sees the name), and a nodedown reaches
 * the copy right after this thread's port fired its links, before any later message.
 */
export class WorkerDist implements DistApi {
  name = '';
  global: WorkerGlobal | null = null;
  private ready = false;
  private readonly members = new Map<string, number>();
  /** @internal The copy of the global names. */
  readonly names = new Map<string, Pid>();
  private linked = true;
  private closed = false;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  private nextAsk = 1;
  private readonly watchers: NodeWatchers;

  private readonly node: NodeRuntime;

  private constructor(
    node: Node,
    private readonly agent: Pid,
    private readonly timeoutMs: number,
  ) {
    this.node = nodeRuntime(node);
    this.watchers = new NodeWatchers(this.node, () => this.name);
  }

  /** @internal The WorkerDist of worker scheduler `node` (one per thread, made on first use). */
  static open(node: Node, options: WorkerDistOptions = {}): Promise<WorkerDist> {
    let dist = opened.get(node);
    if (dist === undefined) {
      dist = WorkerDist.make(node, options.timeoutMs ?? 30_000);
      opened.set(node, dist);
      dist.catch(() => opened.delete(node));
    }
    return dist;
  }

  private static async make(on: Node, timeoutMs: number): Promise<WorkerDist> {
    const node = nodeRuntime(on);
    const agent = node.whereis(AGENT_NAME);
    const port = node.dist;
    if (agent === undefined || !(port instanceof DistributionPort))
      throw new NotDistributedError(`the DistNode API on scheduler ${node.schedulerId}`);
    const dist = new WorkerDist(on, agent, timeoutMs);
    // Notes before the snapshot's answer are events this copy has not started from: dropped (the snapshot has them).
    port.onNote((note) => dist.onNote(note));
    try {
      dist.apply((await dist.ask({ kind: 'subscribe' })) as Snapshot);
    } catch (error) {
      port.onNote(null);
      throw error;
    }
    void node.awaitExit(agent).then(() => dist.close());
    return dist;
  }

  private apply(snapshot: Snapshot): void {
    this.name = snapshot.self;
    this.linked = snapshot.connected;
    for (const [name, id] of snapshot.members) this.members.set(name, id);
    for (const [name, pid] of snapshot.names) this.names.set(name, pid);
    this.global = snapshot.global ? new WorkerGlobal(this) : null;
    this.ready = true;
  }

  // ---- membership, from this thread's copy --------------------------------------

  get connected(): boolean {
    return this.linked && !this.closed;
  }

  nodes(): string[] {
    return [...this.members.keys()];
  }

  nodeId(name: string): number {
    const id = this.members.get(name);
    if (id === undefined) throw new UnknownNodeError(name);
    return id;
  }

  nodeName(id: number): string | undefined {
    if (id === this.node.id) return this.name;
    for (const [name, member] of this.members) if (member === id) return name;
    return undefined;
  }

  isReachable(pid: Pid): boolean {
    return pid.node === this.node.id || this.port().isConnected(pid.node);
  }

  waitForNodes(names: string[], timeoutMs = 10_000): Promise<void> {
    return this.watchers.waitFor(() => names.filter((n) => n !== this.name && !this.members.has(n)), timeoutMs);
  }

  onNodeEvent(listener: (event: NodeEvent) => void): () => void {
    return this.watchers.onNodeEvent(listener);
  }

  /** erlang:monitor_node/2, as on the main thread: `{ nodedown: name }` is sent from this thread. */
  monitorNode(name: string, watcher: Pid, flag = true): void {
    this.watchers.monitor(name, watcher, flag, this.members.has(name));
  }

  // ---- spawning, through this scheduler's port ---------------------------------

  spawn(nodeName: string, spec: RemoteSpec, options: RemoteSpawnOptions = {}): Promise<{ pid: Pid; ref?: Ref }> {
    return this.port().spawn(this.idOf(nodeName), spec, { ...options, parent: options.parent?.self });
  }

  startServer(
    nodeName: string,
    spec: RemoteSpec,
    args: unknown,
    options: RemoteStartOptions = {},
  ): Promise<Pid | 'ignore'> {
    return this.port().startServer(this.idOf(nodeName), spec, args, { ...options, parent: options.parent?.self });
  }

  directory(key: string): NodeDirectory {
    return new NodeDirectory(this, key);
  }

  childSpec(spec: RemoteChildSpec): ChildSpec {
    return remoteChild(this, spec);
  }

  private idOf(nodeName: string): number {
    return nodeName === this.name ? this.node.id : this.nodeId(nodeName);
  }

  private port(): DistributionPort {
    const port = this.node.dist;
    if (!(port instanceof DistributionPort) || this.closed)
      throw new NotDistributedError(`the DistNode API on scheduler ${this.node.schedulerId}`);
    return port;
  }

  // ---- the agent ----------------------------------------------------------------

  /** @internal Asks the main thread's DistNode; rejects with its typed error, or CallTimeoutError. */
  ask(request: AgentRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new NotDistributedError(request.kind));
    const id = this.nextAsk++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CallTimeoutError(`the DistNode of node ${this.node.id} (${request.kind})`, this.timeoutMs));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.node.send(this.agent, { distAsk: id, scheduler: this.node.schedulerId, request } satisfies AgentAsk);
    });
  }

  /** A note of the port from the agent: an answer, or an event for this thread's copy. */
  private onNote(note: unknown): void {
    const answer = note as Partial<AgentAnswer> | null;
    if (typeof answer?.distAnswer === 'number') {
      const waiting = this.pending.get(answer.distAnswer);
      if (waiting === undefined) return; // timed out meanwhile
      this.pending.delete(answer.distAnswer);
      clearTimeout(waiting.timer);
      if ('error' in answer && answer.error !== undefined) waiting.reject(errorOf(answer.error));
      else waiting.resolve((answer as { ok: unknown }).ok);
      return;
    }
    if (!this.ready) return;
    const event = note as AgentEvent | null;
    switch (event?.distEvent) {
      case 'name':
        if (event.pid === null) this.names.delete(event.name);
        else this.names.set(event.name, event.pid);
        return;
      case 'nodeup':
        this.linked = event.connected;
        this.members.set(event.node, event.id);
        return this.watchers.nodeUp({ kind: 'nodeup', node: event.node, id: event.id });
      case 'nodedown': {
        this.linked = event.connected;
        if (this.members.get(event.node) === event.id) this.members.delete(event.node);
        return this.watchers.nodeDown({ kind: 'nodedown', node: event.node, id: event.id, reason: event.reason });
      }
    }
  }

  /** The main thread's DistNode left (its agent exited): every node is down from here. */
  private close(): void {
    if (this.closed) return;
    for (const [name, id] of [...this.members])
      this.onNote({ distEvent: 'nodedown', node: name, id, connected: false });
    this.closed = true;
    opened.delete(this.node as unknown as Node);
    const port = this.node.dist;
    if (port instanceof DistributionPort) port.onNote(null);
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(new NotDistributedError('the main thread DistNode left'));
    }
    this.names.clear();
  }
}

/** The global registry on a worker scheduler: registration forwarded to the main thread, lookups from this thread's copy. */
export class WorkerGlobal implements GlobalNames {
  constructor(private readonly dist: WorkerDist) {}

  async registerName(name: string, pid: Pid): Promise<boolean> {
    if (typeof name !== 'string') throw new DistBadArgError(`a global name is a string: ${String(name)}`);
    if (!(pid instanceof Pid)) throw new DistBadArgError(`register ${name}: not a pid: ${String(pid)}`);
    return (await this.dist.ask({ kind: 'register', name, pid })) === true;
  }

  async unregisterName(name: string): Promise<void> {
    if (typeof name !== 'string') throw new DistBadArgError(`a global name is a string: ${String(name)}`);
    await this.dist.ask({ kind: 'unregister', name });
  }

  whereisName(name: string): Pid | undefined {
    return this.dist.names.get(name);
  }

  registeredNames(): string[] {
    return [...this.dist.names.keys()];
  }
}
