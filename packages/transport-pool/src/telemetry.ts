import EventEmitter from 'eventemitter3';

/** A sizing decision or a connection event; `pool` is the pool's name. */
export interface PoolTelemetryEvents {
  /** The pool opens `count` more connections: `reason` says why. */
  'pool:grow': (event: { pool: string; size: number; count: number; reason: 'min' | 'waiters' | 'watermark' }) => void;
  /** An idle connection above min is closed: after idleTimeoutMs, or (reason 'shed') to make room under the common max for another scheduler's callers. */
  'pool:shrink': (event: { pool: string; size: number; id: number; reason: 'idle' | 'shed' }) => void;
  'pool:connected': (event: { pool: string; size: number; id: number }) => void;
  'pool:connect_failed': (event: { pool: string; size: number; reason: string; retryInMs: number }) => void;
  /** A connection went away: closed by the pool, lost, failed its check, or retired after maxUses. */
  'pool:closed': (event: { pool: string; size: number; id: number; reason: string }) => void;
  'pool:check_failed': (event: { pool: string; id: number; reason: string }) => void;
}

export type PoolEvents = EventEmitter<PoolTelemetryEvents>;
export const createPoolEvents = (): PoolEvents => new EventEmitter<PoolTelemetryEvents>();
