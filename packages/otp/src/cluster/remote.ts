import type { Ref } from '../pid';

/** Up to 64 schedulers per node: a pid's or ref's id carries its scheduler in its low 6 bits. */
export const MAX_SCHEDULERS = 64;

export function schedulerOf(id: number): number {
  return id % MAX_SCHEDULERS;
}

/**
 * What a process knows about processes on other schedulers: its links to
 * them, the monitors they hold on it, and the monitors it holds on them.
 * Allocated on first use, so a process with no remote peers pays nothing.
 */
export class RemoteRelations {
  readonly links = new Set<number>();
  /** ref id -> watcher pid id (a scheduler's own id for a runtime-internal watch). */
  readonly monitoredBy = new Map<number, number>();
  /** ref id -> the Ref given to the user, and the target's pid id. */
  readonly monitoring = new Map<number, { ref: Ref; target: number }>();

  get empty(): boolean {
    return this.links.size === 0 && this.monitoredBy.size === 0 && this.monitoring.size === 0;
  }
}

/** A module and an export to run on another scheduler: functions cannot cross threads, their names can. */
export interface RemoteSpec {
  /** An absolute path or package name that the scheduler thread can require(). */
  module: string;
  /** The export: a process body or behaviour (spawn), a GenServer definition, or a supervisor spec. */
  export: string;
  /** For a spawned function: arguments passed after ctx. They cross threads, so they must be serializable. */
  args?: unknown[];
}

/** Where to spawn: a scheduler number, or a policy. */
export type Placement = number | 'local' | 'round_robin' | 'least_loaded';

export function isRemoteSpec(value: unknown): value is RemoteSpec {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RemoteSpec).module === 'string' &&
    typeof (value as RemoteSpec).export === 'string'
  );
}

/** The exit reason of every process of a scheduler thread that died. */
export type SchedulerDown = {
  readonly scheduler_down: number;
};

export function schedulerDownReason(scheduler: number): SchedulerDown {
  return { scheduler_down: scheduler };
}
