import { Ets } from '@erlmcp/ets';
import type { McpConnectionEvent } from '@erlmcp/mcp/hosting';
import {
  allProcesses,
  currentNode,
  GenServer,
  exit,
  forwardTelemetry,
  type Node,
  type Pid,
  processInfoAsync,
  schedulers,
  type ServerName,
  supervisionTree,
  type TreeNode,
} from '@erlmcp/otp';
import type { RegistrySource, SessionCountSource } from '../metrics/sources';
import type { ProcessView, SessionView, Snapshot, TableView } from './snapshot';

export interface ObserverOptions {
  node?: Node;
  /** Applications to show, by the name to show and their top supervisor; applications started after the observer are added from `application:start`. */
  applications?: { name: string; root: Pid | ServerName }[];
  sessions?: SessionCountSource;
  registries?: RegistrySource[];
  /** Lets the page kill processes (`exit(pid, 'kill')`); default false: read-only. */
  allowKill?: boolean;
  /** Sessions listed individually (the count covers all); default 100. */
  maxSessionsShown?: number;
}

export class KillNotAllowedError extends Error {
  override readonly name = 'KillNotAllowedError';
  constructor() {
    super('this observer is read-only: start it with allowKill to kill processes');
  }
}

export class NoSuchProcessError extends Error {
  override readonly name = 'NoSuchProcessError';
  constructor(pid: string) {
    super(`no live process ${pid}`);
  }
}

/**
 * Erlang's observer for a node: snapshots of schedulers, memory, supervision trees with
 * each process's info, ETS tables, registry shards and MCP sessions. It follows the
 * node's bus for restarts, applications and sessions (their transport and start time,
 * never their ids).
 */
export class Observer {
  readonly canKill: boolean;
  /** Resolves once every worker scheduler forwards the events the observer follows. */
  readonly ready: Promise<void>;
  private readonly node: Node;
  private readonly apps: Map<string, Pid | ServerName>;
  /** "supervisor pid/child id" → restarts. */
  private readonly restarts = new Map<string, number>();
  /** Session process → transport and start time. */
  private readonly sessions = new Map<string, { pid: Pid; transport: string; startedAt: number }>();
  private readonly stops: (() => void)[] = [];
  private readonly started = performance.now();

  constructor(private readonly options: ObserverOptions = {}) {
    this.node = options.node ?? currentNode();
    this.canKill = options.allowKill === true;
    this.apps = new Map((options.applications ?? []).map((a) => [a.name, a.root]));
    const events = this.node.events;
    const onRestart = (e: { supervisor: Pid; childId: string }): void => {
      const key = `${String(e.supervisor)}/${e.childId}`;
      this.restarts.set(key, (this.restarts.get(key) ?? 0) + 1);
    };
    const onApp = (e: { name: string; pid: Pid }): void => void this.apps.set(e.name, e.pid);
    const onAppStop = (e: { name: string }): void => void this.apps.delete(e.name);
    const onConnection = (e: McpConnectionEvent): void => {
      if (e.outcome === 'accepted' && e.pid !== undefined)
        this.sessions.set(String(e.pid), { pid: e.pid, transport: e.transport, startedAt: Date.now() });
    };
    const onExit = (e: { pid: Pid }): void => void this.sessions.delete(String(e.pid));
    events.on('restart', onRestart);
    events.on('application:start', onApp);
    events.on('application:stop', onAppStop);
    events.on('mcp:connection', onConnection);
    events.on('exit', onExit);
    // Restarts, applications and sessions on worker schedulers are on their own buses: bring them here.
    const forwarding = forwardTelemetry(
      ['restart', 'application:start', 'application:stop', 'mcp:connection', 'exit'],
      this.node,
    );
    this.ready = forwarding.ready;
    this.stops.push(forwarding);
    this.stops.push(() => {
      events.off('restart', onRestart);
      events.off('application:start', onApp);
      events.off('application:stop', onAppStop);
      events.off('mcp:connection', onConnection);
      events.off('exit', onExit);
    });
  }

  async snapshot(): Promise<Snapshot> {
    const memory = process.memoryUsage();
    const applications = await Promise.all(
      [...this.apps].map(async ([name, root]) => ({ name, tree: await this.tree(root) })),
    );
    return {
      at: Date.now(),
      node: {
        schedulers: schedulers(),
        memory: {
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          heapTotal: memory.heapTotal,
          external: memory.external,
          arrayBuffers: memory.arrayBuffers,
        },
        processes: (await allProcesses()).length,
        uptimeSeconds: (performance.now() - this.started) / 1000,
      },
      applications,
      ets: tables(),
      registries: (this.options.registries ?? []).map((r) => ({ name: r.name, shards: [...r.stats()] })),
      sessions: { count: this.options.sessions?.sessionCount ?? this.sessions.size, shown: await this.sessionViews() },
      canKill: this.canKill,
    };
  }

  /** Kills a process by its printed pid (`<0.64.0>`); KillNotAllowedError unless allowKill. */
  async kill(pid: string): Promise<void> {
    if (!this.canKill) throw new KillNotAllowedError();
    const target = (await allProcesses()).find((p) => String(p.pid) === pid);
    if (target === undefined) throw new NoSuchProcessError(pid);
    exit(target.pid, 'kill');
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  private async tree(root: Pid | ServerName): Promise<ProcessView | null> {
    const tree = await supervisionTree(root);
    return tree === undefined ? null : this.view(tree, undefined);
  }

  private async view(node: TreeNode, supervisor: Pid | undefined): Promise<ProcessView | null> {
    const info = await processInfoAsync(node.pid);
    if (info === undefined) return null;
    const children = (await Promise.all(node.children.map((child) => this.view(child, node.pid)))).filter(
      (c): c is ProcessView => c !== null,
    );
    return {
      pid: String(info.pid),
      id: node.id ?? null,
      name: info.name,
      kind: node.kind,
      behaviour: info.behaviour,
      status: info.status,
      currentCallback: info.currentCallback,
      memory: info.memory,
      messageQueueLen: info.messageQueueLen,
      messagesHandled: info.messagesHandled,
      links: info.links.map(String),
      monitors: info.monitors.map(String),
      monitoredBy: info.monitoredBy.map(String),
      trapExit: info.trapExit,
      scheduler: info.scheduler,
      restarts:
        supervisor === undefined || node.id === undefined
          ? 0
          : (this.restarts.get(`${String(supervisor)}/${node.id}`) ?? 0),
      children,
    };
  }

  private async sessionViews(): Promise<SessionView[]> {
    const max = this.options.maxSessionsShown ?? 100;
    const now = Date.now();
    const entries = [...this.sessions].slice(0, max);
    return Promise.all(
      entries.map(async ([, s]) => {
        let protocolVersion: string | null = null;
        try {
          const summary = (await GenServer.call(s.pid, 'summary', 1000)) as { protocolVersion?: string };
          protocolVersion = summary.protocolVersion ?? null;
        } catch {
          // ended while we asked
        }
        return { transport: s.transport, protocolVersion, ageSeconds: (now - s.startedAt) / 1000 };
      }),
    );
  }
}

function tables(): TableView[] {
  const out: TableView[] = [];
  for (const table of Ets.all()) {
    try {
      const info = table.info();
      out.push({
        name: info.name,
        type: info.type,
        size: info.size,
        memory: info.memory,
        capacity: info.capacity,
        owner: String(info.owner),
        heir: String(info.heir),
      });
    } catch {
      // deleted meanwhile
    }
  }
  return out;
}
