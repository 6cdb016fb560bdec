// The Spawn record: what one scheduler asks another to start, and the outcome that comes back.
import { AlreadyStartedError, OtpError, StartError } from '../errors';
import { IgnoredError } from '../gen-server';
import type { ExitReason } from '../reason';

/** What a Spawn record asks for. */
export interface SpawnRequest {
  /** What to start; 'info' asks for process info instead (id: one pid, or -1 for all). */
  kind: 'spawn' | 'gen_server' | 'supervisor' | 'proc_lib' | 'info';
  module: string;
  export: string;
  args: unknown;
  /** Preallocated pid id: the requester links or monitors before the process exists. */
  id: number;
  parent?: number;
  monitor?: { ref: number; watcher: number };
  name?: string;
  trapExit?: boolean;
  timeout?: number;
}

export type SpawnOutcome = { ok: unknown } | { error: { code: string; message: string; reason?: ExitReason } };

/** Starts what a Spawn record names, on this scheduler. Installed by the node (it needs GenServer and Supervisor). */
export type SpawnHandler = (request: SpawnRequest) => Promise<SpawnOutcome>;

/** The error a failed remote start reports to its caller, rebuilt from the outcome that crossed threads. */
export function errorFrom(
  error: { code: string; message: string; reason?: ExitReason },
  name: string | undefined,
): Error {
  switch (error.code) {
    case 'start_failed':
      return new StartError(error.reason ?? error.message);
    case 'ignore':
      return new IgnoredError();
    case 'already_started':
      return new AlreadyStartedError(name ?? '?', undefined);
    default:
      return new OtpError(error.code, error.message);
  }
}

/** The outcome of a failed remote start, as data that crosses threads. */
export function outcomeOf(error: unknown): SpawnOutcome {
  if (error instanceof StartError)
    return { error: { code: 'start_failed', message: error.message, reason: error.reason } };
  if (error instanceof OtpError) return { error: { code: error.code, message: error.message } };
  return { error: { code: 'error', message: error instanceof Error ? error.message : String(error) } };
}
