/**
 * @erlmcp/message-batcher: batching as a supervised actor. A Batcher is a
 * GenServer under its own supervisor; `add` returns each item's own result.
 * Any new export here becomes public API.
 */
import './telemetry';

export { Batcher, type AddOptions } from './batcher';
export { ManualClock, type Clock } from './clock';
export type { Efficiency, TokenEfficiency } from './efficiency';
export {
  BatcherArgError,
  BatcherError,
  BatcherExitedError,
  BatcherNotRunningError,
  BatcherOverloadError,
  BatcherStoppedError,
  ItemTooLargeError,
  SinkFailedError,
  SinkResultError,
  SinkTimeoutError,
} from './errors';
export type { BatcherOptions, GroupKey, ItemId, Sink, SinkContext, SinkResults, Strategy, TokenUsage } from './options';
export type { BatchEvent } from './telemetry';
