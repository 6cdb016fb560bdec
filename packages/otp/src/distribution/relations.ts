import type { Pid, Ref } from '../pid';

/** A pid of another node as a map key. */
export function keyOf(node: number, id: number): string {
  return `${node}/${id}`;
}

/**
 * What a local process knows about processes of other nodes: its links to them, the
 * monitors they hold on it, and the monitors it holds on them. Kept by the distribution
 * port (not on the Process), allocated on first use.
 */
export class NodeRelations {
  /** keyOf(remote pid) -> the remote pid. */
  readonly links = new Map<string, Pid>();
  /** keyOf(watcher node, ref id) -> the watcher (id 0: the node itself, a runtime-internal watch) and the ref id. */
  readonly monitoredBy = new Map<string, { watcher: Pid; ref: number }>();
  /** ref id -> the Ref given to the user, and the remote target. */
  readonly monitoring = new Map<number, { ref: Ref; target: Pid }>();

  get empty(): boolean {
    return this.links.size === 0 && this.monitoredBy.size === 0 && this.monitoring.size === 0;
  }
}

/** What a Spawn record asks another node to start. */
export interface NodeSpawnRequest {
  kind: 'spawn' | 'gen_server';
  module: string;
  export: string;
  /** A spawned function's extra arguments, or a GenServer's init argument. */
  args: unknown;
  /** The requesting process's pid id (on the requesting node): linked before the new process runs. */
  parent?: number;
  /** A monitor the requester holds from the start: its ref id and the watcher's pid id. */
  monitor?: { ref: number; watcher: number };
  name?: string;
  trapExit?: boolean;
  timeout?: number;
}

export type NodeSpawnOutcome =
  { ok: number | 'ignore' } | { error: { code: string; message: string; reason?: unknown } };

/** How frames leave this node: the transport (NATS in @erlmcp/distribution) delivers them to node `node`'s `receive`. */
export interface FrameTransport {
  /** Sends one frame; the bytes are the transport's to keep. */
  send(node: number, frame: Uint8Array): void;
}
