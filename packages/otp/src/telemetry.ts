import EventEmitter from 'eventemitter3';
import type { Pid } from './pid';
import type { ExitReason } from './reason';

/** Runtime events, emitted on `node.events`; observability subscribes to them. */
export interface TelemetryEvents {
  spawn: (event: { pid: Pid; behaviour: string; parent: Pid | undefined }) => void;
  exit: (event: { pid: Pid; name: string | null; reason: ExitReason; messagesHandled: number }) => void;
  register: (event: { name: string; pid: Pid }) => void;
  /** A supervisor restarted a child. */
  restart: (event: {
    supervisor: Pid;
    childId: string;
    oldPid: Pid | undefined;
    newPid: Pid | undefined;
    reason: ExitReason;
  }) => void;
  /** A supervisor exceeded its restart intensity and is shutting down. */
  intensity: (event: { supervisor: Pid; restarts: number; intensity: number; periodSeconds: number }) => void;
  /** A scheduler thread died; its processes exited with {scheduler_down: N} and it is being replaced. */
  scheduler_down: (event: { scheduler: number; exitCode: number }) => void;
  'application:start': (event: { name: string; pid: Pid }) => void;
  'application:stop': (event: { name: string; reason: ExitReason }) => void;
  /**
   * A registry lookup, timed: one lookup in `sampleEvery` is (timing each would cost more than
   * the lookup). `registry` is 'local' for the node's own names (whereis, while someone holds
   * timeLookups), else the sharded registry's name (while someone listens).
   */
  'registry:lookup': (event: { registry: string; durationMs: number; sampleEvery: number }) => void;
  /** Events a worker scheduler could not forward to the main thread (its buffer was full, or a payload had no serialized form). */
  'telemetry:dropped': (event: { scheduler: number; events: number }) => void;
}

/** One registry lookup in this many is timed for `registry:lookup`. */
export const LOOKUP_SAMPLE_EVERY = 64;

export type TelemetryBus = EventEmitter<TelemetryEvents>;

export function createTelemetryBus(): TelemetryBus {
  return new EventEmitter<TelemetryEvents>();
}
