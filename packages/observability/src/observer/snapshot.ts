/** What the observer page receives: plain JSON, pids as strings, no session ids or data. */

export interface ProcessView {
  pid: string;
  /** The child id under its supervisor. */
  id: string | null;
  name: string | null;
  kind: 'supervisor' | 'worker';
  behaviour: string;
  status: string;
  /** handleCall, handleCast, handleInfo, system or body while a callback runs; null while it waits for a message. */
  currentCallback: string | null;
  /** Bytes of its state and mailbox, counted by walking them (processInfo's memory). */
  memory: number | null;
  messageQueueLen: number;
  messagesHandled: number;
  links: string[];
  monitors: string[];
  monitoredBy: string[];
  trapExit: boolean;
  scheduler: number;
  /** Restarts of this child id under its supervisor since the observer started. */
  restarts: number;
  children: ProcessView[];
}

export interface NodeView {
  schedulers: {
    scheduler: number;
    alive: boolean;
    processes: number;
    runQueue: number;
    utilisation: number;
    messages: number;
  }[];
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  processes: number;
  uptimeSeconds: number;
}

export interface TableView {
  name: string;
  type: string;
  size: number;
  memory: number;
  capacity: number;
  owner: string;
  heir: string;
}

export interface SessionView {
  transport: string;
  protocolVersion: string | null;
  ageSeconds: number;
}

export interface Snapshot {
  at: number;
  node: NodeView;
  applications: { name: string; tree: ProcessView | null }[];
  ets: TableView[];
  registries: {
    name: string;
    shards: { shard: number; entries: number; lookups: number; writes: number; cacheHits?: number }[];
  }[];
  sessions: { count: number; shown: SessionView[] };
  canKill: boolean;
}
