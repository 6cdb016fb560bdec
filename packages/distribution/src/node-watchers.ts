import { Pid, type NodeRuntime } from '@erlmcp/otp';
import { awaitNodes } from './await-nodes';
import type { NodeDownMessage, NodeEvent } from './dist-types';
import { DistBadArgError } from './errors';

/**
 * Who hears of nodes coming and going on one thread: `onNodeEvent` listeners and the
 * `monitorNode` watchers (erlang:monitor_node/2). The main thread's DistNode and a worker
 * thread's WorkerDist keep their own membership copies and tell this when a node goes up or down.
 */
export class NodeWatchers {
  private readonly listeners = new Set<(event: NodeEvent) => void>();
  private readonly monitors = new Map<string, Set<Pid>>();

  /** `label` names the node in the log line of a listener that throws. */
  constructor(
    private readonly node: NodeRuntime,
    private readonly label: () => string,
  ) {}

  onNodeEvent(listener: (event: NodeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once `missing()` is empty; rejects with UnknownNodeError naming them after `timeoutMs`. */
  waitFor(missing: () => string[], timeoutMs: number): Promise<void> {
    return awaitNodes(this.listeners, missing, timeoutMs);
  }

  /**
   * erlang:monitor_node(Node, Flag): `watcher` gets `{ nodedown: name }` once when node `name`
   * goes down, at once if it is not `connected` now. Each call adds one monitor; `false`
   * removes them. A local watcher's monitors go when it exits.
   */
  monitor(name: string, watcher: Pid, flag: boolean, connected: boolean): void {
    if (!(watcher instanceof Pid)) throw new DistBadArgError(`monitorNode ${name}: not a pid: ${String(watcher)}`);
    if (!flag) {
      this.monitors.get(name)?.delete(watcher);
      return;
    }
    if (!connected) {
      this.node.send(watcher, { nodedown: name } satisfies NodeDownMessage);
      return;
    }
    let watchers = this.monitors.get(name);
    if (watchers === undefined) this.monitors.set(name, (watchers = new Set()));
    watchers.add(watcher);
    if (watcher.node === this.node.id)
      void this.node.awaitExit(watcher).then(() => this.monitors.get(name)?.delete(watcher));
  }

  nodeUp(event: NodeEvent): void {
    this.emit(event);
  }

  /** Node `event.node` is down: each of its monitors fires once, then the listeners hear it. */
  nodeDown(event: NodeEvent): void {
    const watchers = this.monitors.get(event.node);
    this.monitors.delete(event.node);
    for (const watcher of watchers ?? []) this.node.send(watcher, { nodedown: event.node } satisfies NodeDownMessage);
    this.emit(event);
  }

  private emit(event: NodeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.node.logger.error(`dist ${this.label()}: a node event listener threw: ${(error as Error).message}`);
      }
    }
  }
}
