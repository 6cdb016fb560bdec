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
}

export type TelemetryBus = EventEmitter<TelemetryEvents>;

export function createTelemetryBus(): TelemetryBus {
  return new EventEmitter<TelemetryEvents>();
}
