/**
 * @erlmcp/flash-attention-stream: exact attention computed tile by tile
 * (FlashAttention-2's online softmax) in WebAssembly SIMD, streamed as rows
 * finish, run by a supervised AttentionServer over worker-thread schedulers.
 *
 * Any new export here becomes public API.
 */
export { AttentionEngine, type EngineOptions, type KernelChoice } from './engine';
export { KvCache, type DecodeStep, type KvCacheOptions } from './kv-cache';
export { referenceAttention } from './reference';
export { HEAD_DIMS, type AttentionInput, type AttentionShape, type NonFinitePolicy } from './shape';
export { TILE_ROWS, type KernelName } from './kernel';
export {
  AbortError,
  AttentionArgError,
  AttentionError,
  DtypeError,
  LimitError,
  NonFiniteError,
  NotRunningError,
  WorkerDownError,
  ShapeError,
} from './errors';
export {
  FlashAttention,
  type FlashAttentionOptions,
  type SpeedupMeasurement,
  type StreamOptions,
} from './flash-attention';
export { Decoder, type StepOptions } from './decoder';
export { AttentionStream, type RequestSummary, type RowChunk } from './stream';
export type { AttentionMessage } from './process-sink';
export type { AttentionStats, LastRequest, WorkerStats } from './stats';
export { naiveAttention, type NaiveResult } from './naive';
