import type { From, Pid, Ref } from '@erlmcp/otp';
import type { PooledConnection } from './connection';
import type { PoolCore } from './core';

/** What a sub-pool of a `schedulers: 'all'` pool knows of the others (all of it can cross threads). */
export interface SharedInit {
  buffer: SharedArrayBuffer;
  /** This sub-pool's scheduler. */
  slot: number;
  schedulers: number;
  /** The pool's name; sub-pool k is registered as `${group}@${k}`. */
  group: string;
}

/** The registered name of a shared pool's sub-pool on scheduler k. */
export const memberName = (group: string, k: number): string => `${group}@${k}`;

/** @internal The pool process's state: the shared core plus what only the process touches. */
export interface PoolState {
  core: PoolCore<unknown>;
  sup: Pid;
  /** Connections not yet asked for (growth waits for the connect concurrency limit or a backoff). */
  wanted: number;
  /** Consecutive failed connects, for backoff; 0 after a success. */
  failureStreak: number;
  /** No new connect before this time (backoff). */
  notBefore: number;
  retryTimer: Ref | undefined;
  /** Monitors of connection processes and of calling processes, by ref. */
  monitors: Map<string, { conn: PooledConnection<unknown> } | { caller: Pid }>;
  watched: Map<string, Ref>;
  /** Ids of the prewarm connects still pending, and who waits for them. */
  warming: Set<number>;
  started: ((core: PoolCore<unknown>) => void) | undefined;
  /** Callers of 'warm', answered when prewarm has settled. */
  warmed: From[];
  drained: (() => void)[];
  nextId: number;
  shared: SharedInit | undefined;
  /** A 'shed' request is out to another scheduler's sub-pool (cleared by its 'room', or at the next sweep). */
  shedAsked: boolean;
  /** Sub-pools that asked this one to shed, told when the connection it closed for them is gone. */
  owed: Pid[];
}

/** Connections being closed (counted once by the sweep, not per step). */
export function closing(core: PoolCore<unknown>): number {
  let n = 0;
  for (const conn of core.conns.values()) if (conn.state === 'closing') n++;
  return n;
}
