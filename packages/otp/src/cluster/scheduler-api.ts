import { infoOf } from '../introspection';
import type { Node } from '../node';
import type { ProcessInfo, WireProcessInfo } from '../process-info';
import type { SchedulerPeer } from './peer';

export type { SchedulerStats, WireProcessInfo } from '../process-info';

/** The control plane of a worker scheduler, called from the main thread through comlink. */
export interface SchedulerApi {
  processes(): WireProcessInfo[];
  processInfo(id: number): WireProcessInfo | undefined;
  /** Forwards exactly these events of this scheduler's bus to the main thread (telemetry-forward.ts). */
  telemetry(events: string[]): void;
  /** Kills this scheduler's processes, flushes what they sent, and stops reading its ring. */
  stop(): Promise<void>;
}

export function toWire(info: ProcessInfo): WireProcessInfo {
  return {
    ...info,
    pid: info.pid.id,
    links: info.links.map((p) => p.id),
    monitors: info.monitors.map((p) => p.id),
    monitoredBy: info.monitoredBy.map((p) => p.id),
  };
}

/** Publishes run-queue length and event-loop utilisation every 100 ms; returns the stopper. */
export function startLoadPublisher(node: Node, peer: SchedulerPeer, keepAlive: boolean): () => void {
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    peer.publishLoad(
      node.scheduler.runQueueLength,
      performance.eventLoopUtilization(now, last).utilization,
      node.scheduler.messagesHandled,
    );
    last = now;
  }, 100);
  if (!keepAlive) timer.unref();
  const stop = () => clearInterval(timer);
  node.addStoppable({ name: 'load publisher', stop: async () => stop() });
  return stop;
}

export function processesOf(node: Node): WireProcessInfo[] {
  return node.processes().map((p) => toWire(infoOf(p)));
}
