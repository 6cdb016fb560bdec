/**
 * The event a batcher emits on the node's telemetry bus (`node.events`) for
 * every finished batch. The declaration below adds it to otp's
 * TelemetryEvents, so `node.events.on('batcher:batch', ...)` is typed.
 */
import type { GroupKey, TokenUsage } from './options';

export interface BatchEvent {
  /** The batcher's name. */
  batcher: string;
  batch: number;
  group: GroupKey;
  size: number;
  /** ms at the sink. */
  latencyMs: number;
  /** Wait from add() to dispatch of the batch's oldest item, ms. */
  maxWaitMs: number;
  outcome: 'answered' | 'failed' | 'timeout';
  tokens?: TokenUsage;
}

declare module '@erlmcp/otp' {
  interface TelemetryEvents {
    'batcher:batch': (event: BatchEvent) => void;
  }
}
