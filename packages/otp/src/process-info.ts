import type { Pid } from './pid';

// The shapes introspection reports, in a file of their own: both the node's cluster
// service (which fetches them from other schedulers) and introspection.ts use them.

export type ProcessStatus = 'running' | 'runnable' | 'waiting';

/** erlang:process_info/1, for the parts that mean something here. */
export interface ProcessInfo {
  pid: Pid;
  name: string | null;
  /** 'process' for a spawned function, else the behaviour's kind (gen_server, supervisor, ...). */
  behaviour: string;
  status: ProcessStatus;
  messageQueueLen: number;
  messagesHandled: number;
  links: Pid[];
  /** Processes this one monitors. */
  monitors: Pid[];
  /** Processes monitoring this one. */
  monitoredBy: Pid[];
  trapExit: boolean;
  scheduler: number;
  /**
   * The callback an async callback of the process is running: 'handleCall', 'handleCast',
   * 'handleInfo' or 'system' (init, stop, timeouts); 'body' for a spawned function that is not
   * waiting in receive. null when it waits for a message (Erlang shows gen_server:loop there).
   */
  currentCallback: string | null;
  /**
   * Bytes of its state and mailbox (process-memory.ts says how they are counted), for the
   * info of one process; null in the listing of every process (allProcesses), which skips the walk.
   */
  memory: number | null;
}

/** A process's info with pids as ids, so it crosses threads by structured clone. */
export interface WireProcessInfo extends Omit<ProcessInfo, 'pid' | 'links' | 'monitors' | 'monitoredBy'> {
  pid: number;
  links: number[];
  monitors: number[];
  monitoredBy: number[];
}

/** One scheduler's load, as published in the shared control block. */
export interface SchedulerStats {
  scheduler: number;
  alive: boolean;
  processes: number;
  runQueue: number;
  /** Event-loop utilisation of the scheduler's thread over the last interval, 0..1. */
  utilisation: number;
  /** Messages its processes have handled, modulo 2^32 (published with the load, every 100 ms). */
  messages: number;
}
