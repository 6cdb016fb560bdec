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
  LlmAnswerError,
  LlmHttpError,
  LlmResponseError,
  SinkFailedError,
  SinkResultError,
  SinkTimeoutError,
} from './errors';
export type { BatcherOptions, GroupKey, ItemId, Sink, SinkContext, SinkResults, Strategy, TokenUsage } from './options';
export type { BatchEvent } from './telemetry';

// Batch prompting for LLM calls
export { llmBatcher, LlmBatcher, type LlmBatcherOptions } from './llm/llm-batcher';
export {
  openAiProvider,
  anthropicProvider,
  type LlmProvider,
  type Completion,
  type CompleteOptions,
  type HttpProviderOptions,
} from './llm/providers';
export type { RetryPolicy } from './llm/http';
export {
  batchedRequest,
  individualRequest,
  type ChatMessage,
  type ChatRequest,
  type Example,
  type JsonSchemaProperty,
  type LlmInstructions,
  type ToolDefinition,
} from './llm/request';
export { countRequest, countText, type Encoding } from './llm/tokenizer';
export {
  startLocalLlmServer,
  localAnswer,
  type LocalFault,
  type LocalLlmServer,
  type LocalLlmServerOptions,
  type LocalRequest,
} from './llm/local-server';
export { corpus, type CorpusTask } from './corpus';
export { WriteCoalescer, type OutboundWrite, type WriteCoalescerOptions } from './write-coalescer';
