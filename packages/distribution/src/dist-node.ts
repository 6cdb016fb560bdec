// Past 400 lines on purpose: membership (heartbeats, nodeup/nodedown), the NATS connection
// (partition, reconnect, leave) and the port that routes pids are one state machine; each
// nodedown must be seen by all three at once, which splitting would spread over files that
// call back into each other. The registry (global.ts), the heartbeat table (membership.ts)
// and supervised remote children (remote-child.ts) live apart.
import { randomInt } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  currentNode,
  type ChildSpec,
  DistributionPort,
  Node,
  type ExitReason,
  type NodeOptions,
  type Pid,
  type Ref,
  type RemoteSpec,
  nodeRuntime,
} from '@erlmcp/otp';
import { DistAgent } from './agent';
import type { NodeEvent, RemoteSpawnOptions } from './dist-types';
import type { DistApi } from './dist-api';
import { DistBadArgError, NotConnectedError, NotDistributedError, UnknownNodeError } from './errors';
import { NodeDirectory } from './directory';
import { GlobalRegistry } from './global';
import { remoteChild, type RemoteChildSpec, type RemoteStartOptions } from './remote-child';
import { decodeHeartbeat, encodeHeartbeat, Membership, type Heartbeat, type Member } from './membership';
import { NodeWatchers } from './node-watchers';
import { WorkerDist, type WorkerDistOptions } from './worker-dist';

/** The DistNode of each node joined on this thread, for `DistNode.here()`. */
const joined = new Map<Node, DistNode>();

export interface JoinOptions {
  /** NATS server URL(s), e.g. 'nats://127.0.0.1:4222'. */
  servers: string | string[];
  /** This node's name, unique in the cluster (Erlang's node name). */
  name: string;
  /** The subject prefix every node of one cluster shares (several clusters can share a NATS server). Default 'erlmcp'. */
  cluster?: string;
  /** How often each node publishes a heartbeat. Default 1000 ms. */
  heartbeatMs?: number;
  /** A node that misses this many heartbeats in a row is down ('noconnection'). Default 3. */
  missedHeartbeats?: number;
  /** Keep the global registry in a JetStream KV bucket (the server needs -js). Default true. */
  global?: boolean;
}

export type { NodeDownMessage, NodeEvent, RemoteSpawnOptions } from './dist-types';

/** What `stats()` reports: counted, not estimated. */
export interface DistStats {
  nodes: number;
  framesIn: number;
  framesOut: number;
  /** Frames of worker schedulers relayed through scheduler 0 (both ways). */
  framesRelayed: number;
  heartbeatsIn: number;
  nodeDowns: number;
}

/** A random node number: pids carry it, and a restarted node gets a new one, so old pids never reach its new processes. */
function freshNodeId(): number {
  return randomInt(1, 2 ** 31 - 1);
}

/**
 * This node's membership in a cluster over NATS. It installs a DistributionPort on the
 * node, so pids of other nodes route like local ones (send, GenServer.call/cast, link,
 * monitor, exit); frames go to `<cluster>.n.<nodeId>` subjects, heartbeats to
 * `<cluster>.hb`. Start one with `DistNode.start` (a new node) or `DistNode.join` (a node
 * already running, whose id is unique in the cluster).
 */
export class DistNode implements DistApi {
  readonly name: string;
  readonly prefix: string;
  readonly port: DistributionPort;
  /** The global registry (null when started with `global: false`). */
  global: GlobalRegistry | null = null;
  private nc: NatsConnection | null = null;
  private readonly members: Membership;
  private session = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  private readonly missed: number;
  private readonly watchers: NodeWatchers;
  private left = false;
  private reconnecting = false;
  private lastTick = performance.now();
  private heartbeatsIn = 0;
  private nodeDowns = 0;
  /** On a node with worker schedulers: the process that serves their WorkerDists (agent.ts). */
  private agent: DistAgent | null = null;

  private constructor(
    readonly node: Node,
    private readonly options: JoinOptions,
  ) {
    if (typeof options.name !== 'string' || !/^[A-Za-z0-9_.@-]{1,128}$/.test(options.name))
      throw new DistBadArgError(`node name must be 1-128 of [A-Za-z0-9_.@-]: ${String(options.name)}`);
    this.name = options.name;
    this.prefix = options.cluster ?? 'erlmcp';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.prefix))
      throw new DistBadArgError(`cluster must be 1-64 of [A-Za-z0-9_-]: ${this.prefix}`);
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.missed = options.missedHeartbeats ?? 3;
    if (!(this.heartbeatMs >= 10) || !(this.missed >= 1))
      throw new DistBadArgError('heartbeatMs must be >= 10 and missedHeartbeats >= 1');
    this.members = new Membership(node.id);
    this.watchers = new NodeWatchers(nodeRuntime(node), () => this.name);
    this.port = DistributionPort.attach(node, { send: (to, frame) => this.publishFrame(to, frame) });
  }

  /**
   * Starts a node with a fresh node number and joins the cluster with it. `node.schedulers`
   * (default 1) gives it worker-thread schedulers: pids on every one are reachable from other nodes.
   */
  static async start(options: JoinOptions & { node?: Omit<NodeOptions, 'id'> }): Promise<DistNode> {
    const node = Node.start({ ...options.node, id: freshNodeId(), schedulers: options.node?.schedulers ?? 1 });
    try {
      return await DistNode.join(node, options);
    } catch (error) {
      await node.stop();
      throw error;
    }
  }

  /** Joins `node` (started on this thread, scheduler 0, with an id no other node of the cluster has) to the cluster. */
  static async join(node: Node, options: JoinOptions): Promise<DistNode> {
    const dist = new DistNode(node, options);
    try {
      await dist.open();
      if (options.global !== false) dist.global = await GlobalRegistry.open(dist, dist.nc!);
      if ((nodeRuntime(node).peer?.schedulers ?? 1) > 1) dist.agent = new DistAgent(dist);
      joined.set(node, dist);
    } catch (error) {
      await dist.leave();
      throw error;
    }
    return dist;
  }

  /**
   * The distribution of the calling code's node, on any scheduler thread: this thread's
   * DistNode on the main thread, a WorkerDist (the same API, forwarded to the main thread's
   * DistNode) on a worker scheduler. Rejects with NotDistributedError when the node has none.
   */
  static async here(options: WorkerDistOptions = {}): Promise<DistApi> {
    const node = currentNode();
    const dist = joined.get(node);
    if (dist !== undefined) return dist;
    if (node.schedulerId > 0) return WorkerDist.open(node, options);
    throw new NotDistributedError('DistNode.here()');
  }

  // ---- membership -------------------------------------------------------------

  /** Names of the nodes this node is connected to (Erlang's nodes()). */
  nodes(): string[] {
    return this.members.members().map((m) => m.name);
  }

  /** The number in pids of node `name`. */
  nodeId(name: string): number {
    const member = this.members.named(name);
    if (member === undefined) throw new UnknownNodeError(name);
    return member.id;
  }

  /** The name of node number `id` (this node's included), or undefined for one not connected. */
  nodeName(id: number): string | undefined {
    return id === this.node.id ? this.name : this.members.get(id)?.name;
  }

  /** True when `pid`'s node is this node or a connected one. */
  isReachable(pid: Pid): boolean {
    return pid.node === this.node.id || this.port.isConnected(pid.node);
  }

  /** True while this node's NATS connection is up (false while it reconnects, after `disconnect`, after `leave`). */
  get connected(): boolean {
    return this.nc !== null && !this.nc.isClosed() && !this.left && !this.reconnecting;
  }

  /** Resolves once every named node is connected; rejects with UnknownNodeError after `timeoutMs`. */
  waitForNodes(names: string[], timeoutMs = 10_000): Promise<void> {
    return this.watchers.waitFor(
      () => names.filter((n) => n !== this.name && this.members.named(n) === undefined),
      timeoutMs,
    );
  }

  /** Calls `listener` on every nodeup and nodedown; returns a function that removes it. */
  onNodeEvent(listener: (event: NodeEvent) => void): () => void {
    return this.watchers.onNodeEvent(listener);
  }

  /**
   * erlang:monitor_node(Node, true): `watcher` gets `{ nodedown: name }` once when node `name`
   * goes down, at once if it is not connected now. Each call adds one monitor; `false` removes them.
   */
  monitorNode(name: string, watcher: Pid, flag = true): void {
    this.watchers.monitor(name, watcher, flag, this.members.named(name) !== undefined);
  }

  // ---- spawning on other nodes ----------------------------------------------

  /**
   * erlang:spawn/4 on node `nodeName` (this node's own name spawns here): `spec` names a module
   * (an absolute path or package name that loads there) and an export. With `link` or
   * `monitor`, the calling process (or `parent`: pass `ctx` after an await) links or monitors
   * before the new process runs.
   */
  async spawn(nodeName: string, spec: RemoteSpec, options: RemoteSpawnOptions = {}): Promise<{ pid: Pid; ref?: Ref }> {
    return this.port.spawn(this.idOf(nodeName), spec, { ...options, parent: options.parent?.self });
  }

  /** Starts a GenServer named by module and export on node `nodeName`; with `link`, linked to the caller. */
  startServer(
    nodeName: string,
    spec: RemoteSpec,
    args: unknown,
    options: RemoteStartOptions = {},
  ): Promise<Pid | 'ignore'> {
    return this.port.startServer(this.idOf(nodeName), spec, args, { ...options, parent: options.parent?.self });
  }

  /** Where each node's process for service `key` is, through the global registry (directory.ts). */
  directory(key: string): NodeDirectory {
    return new NodeDirectory(this, key);
  }

  /** A supervisor child that runs a GenServer on node `spec.node`, linked to the supervisor (remote-child.ts). */
  childSpec(spec: RemoteChildSpec): ChildSpec {
    return remoteChild(this, spec);
  }

  private idOf(nodeName: string): number {
    return nodeName === this.name ? this.node.id : this.nodeId(nodeName);
  }

  stats(): DistStats {
    return {
      nodes: this.members.members().length,
      framesIn: this.port.framesIn,
      framesOut: this.port.framesOut,
      framesRelayed: this.port.framesRelayed,
      heartbeatsIn: this.heartbeatsIn,
      nodeDowns: this.nodeDowns,
    };
  }

  // ---- connection -------------------------------------------------------------

  private async open(): Promise<void> {
    const nc = await connect({
      servers: this.options.servers,
      name: `erlmcp-${this.name}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
      pingInterval: Math.max(1000, this.heartbeatMs * this.missed),
      maxPingOut: 2,
    });
    this.nc = nc;
    nc.subscribe(`${this.prefix}.n.${this.node.id}`, {
      callback: (error, msg) => {
        if (error !== null) return;
        try {
          this.port.receive(msg.data);
        } catch (failure) {
          this.node.logger.error(`dist ${this.name}: dropped a frame: ${(failure as Error).message}`);
        }
      },
    });
    nc.subscribe(`${this.prefix}.hb`, {
      callback: (error, msg) => {
        if (error === null) this.onHeartbeat(msg.data);
      },
    });
    void this.watchStatus(nc);
    this.beat();
    this.timer ??= setInterval(() => this.tick(), this.heartbeatMs);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (this.nc !== nc) return;
      if (status.type === 'disconnect') {
        this.reconnecting = true;
        this.lostNats();
      } else if (status.type === 'reconnect') {
        this.reconnecting = false;
        this.beat();
      }
    }
  }

  /** NATS is gone: every node is down from here, and peers that still hold relations with us drop them when they hear our new session. */
  private lostNats(): void {
    this.session++;
    for (const member of this.members.clear()) this.down(member, 'noconnection', false);
  }

  /**
   * Cuts this node off NATS, as a partition would: every other node is down for it (and it for
   * them, once they miss its heartbeats). `reconnect` heals it.
   */
  async disconnect(): Promise<void> {
    const nc = this.nc;
    if (nc === null) return;
    this.nc = null;
    this.lostNats();
    await nc.close();
  }

  /** Connects again after `disconnect`. */
  async reconnect(): Promise<void> {
    if (this.nc !== null || this.left) return;
    await this.open();
    await this.global?.reopen(this.nc!);
  }

  /** Leaves the cluster, then stops the node (for a node made by `DistNode.start`). */
  async stop(): Promise<void> {
    await this.leave();
    await this.node.stop();
  }

  /** Says bye, drops every relation with other nodes ('noconnection'), and closes the NATS connection. */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    const nc = this.nc;
    this.nc = null;
    await this.global?.close();
    if (nc !== null && !nc.isClosed()) {
      try {
        this.port.flush();
        nc.publish(`${this.prefix}.hb`, encodeHeartbeat({ ...this.heartbeat(), bye: true }));
        await nc.drain();
      } catch {
        // A connection that is already failing closes anyway.
      }
    }
    for (const member of this.members.clear()) this.down(member, 'noconnection', false);
    this.agent?.stop();
    this.agent = null;
    if (joined.get(this.node) === this) joined.delete(this.node);
    this.port.detach();
  }

  private publishFrame(to: number, frame: Uint8Array): void {
    const nc = this.nc;
    if (nc === null || nc.isClosed()) return;
    nc.publish(`${this.prefix}.n.${to}`, frame);
  }

  private heartbeat(): Heartbeat {
    return { id: this.node.id, name: this.name, session: this.session };
  }

  private beat(): void {
    const nc = this.nc;
    if (nc === null || nc.isClosed()) return;
    try {
      nc.publish(`${this.prefix}.hb`, encodeHeartbeat(this.heartbeat()));
    } catch {
      // Reconnecting: the next tick tries again.
    }
  }

  private tick(): void {
    const now = performance.now();
    const late = now - this.lastTick > this.heartbeatMs * 2;
    this.lastTick = now;
    this.beat();
    // This node was stalled (a long synchronous task, a loaded machine): the heartbeats that came
    // meanwhile wait unread behind this timer, so judge the others on the next tick, not now.
    if (late) return;
    const deadline = now - this.heartbeatMs * this.missed;
    for (const member of this.members.silentSince(deadline)) {
      this.members.remove(member);
      this.down(member, 'noconnection', true);
    }
  }

  private onHeartbeat(bytes: Uint8Array): void {
    const hb = decodeHeartbeat(bytes);
    if (hb === undefined || this.nc === null) return;
    this.heartbeatsIn++;
    const effect = this.members.heard(hb, performance.now());
    switch (effect.kind) {
      case 'seen':
        return;
      case 'down':
        return this.down(effect.member, 'noconnection', false);
      case 'reset':
        // It lost NATS meanwhile and dropped its relations with us: drop ours, then it is up again.
        this.down(effect.member, 'noconnection', false);
        return this.up(effect.member);
      case 'up':
        if (effect.replaced !== undefined) this.down(effect.replaced, 'noconnection', false);
        return this.up(effect.member);
    }
  }

  private up(member: Member): void {
    this.port.nodeUp(member.id);
    // It may not know us yet: our heartbeat goes out before any frame, so it never drops our first records.
    this.beat();
    this.watchers.nodeUp({ kind: 'nodeup', node: member.name, id: member.id });
  }

  private down(member: Member, reason: ExitReason, tell: boolean): void {
    if (!this.port.isConnected(member.id)) return;
    this.nodeDowns++;
    this.port.nodeDown(member.id, reason, tell);
    this.watchers.nodeDown({ kind: 'nodedown', node: member.name, id: member.id, reason });
  }

  /** @internal Throws NotConnectedError when this node is off NATS. */
  requireConnected(what: string): NatsConnection {
    if (this.nc === null || this.nc.isClosed()) throw new NotConnectedError(what);
    return this.nc;
  }
}
