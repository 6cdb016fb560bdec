import { OtpError, Pid, type ExitReason } from '@erlmcp/otp';
import { DistBadArgError, NotConnectedError, NotDistributedError, UnknownNodeError } from './errors';

// What a worker scheduler's WorkerDist and the DistAgent on scheduler 0 exchange: asks are
// messages to the agent process; answers and events are notes of the distribution port
// (DistributionPort.tellWorkers), applied as the worker reads its ring, in order.

/** The local name of the agent on scheduler 0 (the node's name table is shared by every scheduler). */
export const AGENT_NAME = '$erlmcp_dist_agent';

export type AgentRequest =
  { kind: 'subscribe' } | { kind: 'register'; name: string; pid: Pid } | { kind: 'unregister'; name: string };

/** A worker's question: the answer goes to scheduler `scheduler`'s port, after every event sent before it. */
export interface AgentAsk {
  distAsk: number;
  scheduler: number;
  request: AgentRequest;
}

export interface WireError {
  name: string;
  code: string;
  message: string;
}

export type AgentAnswer = { distAnswer: number; ok: unknown } | { distAnswer: number; error: WireError };

/** What a new mirror starts from. */
export interface Snapshot {
  self: string;
  members: [string, number][];
  names: [string, Pid][];
  connected: boolean;
  global: boolean;
}

export type AgentEvent =
  | { distEvent: 'nodeup' | 'nodedown'; node: string; id: number; reason?: ExitReason; connected: boolean }
  | { distEvent: 'name'; name: string; pid: Pid | null };

export function isAsk(m: unknown): m is AgentAsk {
  const ask = m as Partial<AgentAsk> | null;
  return (
    typeof ask === 'object' &&
    ask !== null &&
    typeof ask.distAsk === 'number' &&
    typeof ask.scheduler === 'number' &&
    typeof ask.request === 'object' &&
    ask.request !== null
  );
}

export function wireError(error: unknown): WireError {
  if (error instanceof Error)
    return { name: error.name, code: error instanceof OtpError ? error.code : 'error', message: error.message };
  return { name: 'Error', code: 'error', message: String(error) };
}

/** The typed error again, on the worker's side. */
export function errorOf(wire: WireError): Error {
  let error: Error;
  switch (wire.name) {
    case 'NotConnectedError':
      error = new NotConnectedError('');
      break;
    case 'DistBadArgError':
      error = new DistBadArgError('');
      break;
    case 'UnknownNodeError':
      error = new UnknownNodeError('');
      break;
    case 'NotDistributedError':
      error = new NotDistributedError('');
      break;
    default:
      error = new OtpError(wire.code, '');
  }
  error.message = wire.message;
  return error;
}
