import { currentNode } from './current';
import type { Node } from './node';
import type { TelemetryEvents } from './telemetry';

/**
 * Has the worker schedulers of `node` (a node started with several schedulers, from its main
 * thread) forward these events of their buses to the main thread's `node.events`, batched:
 * a subscriber there then sees what processes on every scheduler did. Returns the release;
 * an event stays forwarded while any caller holds it. The workers learn of it by a message:
 * `ready` resolves once each has (events before that stay on their threads). On a
 * one-scheduler node, or a worker scheduler's thread, it does nothing (every event is already
 * on the bus it would reach).
 */
export function forwardTelemetry(
  events: readonly (keyof TelemetryEvents | (string & {}))[],
  node: Node = currentNode(),
): (() => void) & { ready: Promise<void> } {
  return node.cluster?.forwardTelemetry?.(events) ?? Object.assign(() => {}, { ready: Promise.resolve() });
}

/**
 * Has `node`'s whereis time one lookup in LOOKUP_SAMPLE_EVERY for the `registry:lookup` event
 * (registry 'local'), until the release. Without it, a lookup is not timed and costs nothing
 * more. Worker schedulers do it themselves while the main thread has them forward
 * `registry:lookup` (forwardTelemetry).
 */
export function timeLookups(node: Node = currentNode()): () => void {
  return node.names.timeLookups();
}
