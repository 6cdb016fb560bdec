/**
 * A batcher's options, their defaults, and the checks that turn a bad option
 * into a BatcherArgError naming it, before anything starts.
 */
import type { Clock } from './clock';
import { BatcherArgError } from './errors';

/**
 * What closes a batch (every strategy keeps `maxItems`, `maxBytes` and `maxTokens` as hard caps,
 * and never mixes groups):
 * - `time`: `maxDelayMs` after its first item arrived, or when a cap is reached.
 * - `count`: when a cap is reached; a partial batch waits for flush() or stop(), or for
 *   `maxDelayMs` only if that option is given.
 * - `semantic`: as `time`, per group; `groupBy` is required.
 * - `adaptive`: window and size chosen from the measured arrival rate and sink latency so that
 *   the wait added to an item stays under `targetLatencyMs`.
 */
export type Strategy = 'time' | 'count' | 'semantic' | 'adaptive';

/** How the sink names an item in a keyed answer: `idOf(item)` when given, else the batcher's sequence number. */
export type ItemId = string | number;

/** A group key from `groupBy`: items with different keys never share a batch. */
export type GroupKey = string | number | boolean | null | undefined;

/** Token counts of one batch, as an LLM sink reports them through `ctx.recordTokens`. */
export interface TokenUsage {
  /** Input tokens of the N requests as they would have been sent one by one. */
  individualInput: number;
  /** Input tokens of the batched request(s) really sent. */
  batchedInput: number;
  /** Output tokens of the answers as N separate answers (our count). */
  individualOutput?: number;
  /** Output tokens of the batched answer(s), our count. */
  batchedOutput?: number;
  /** What the provider reported for the batched request(s), when it did. */
  providerInput?: number;
  providerOutput?: number;
}

/** What the sink gets beside its items. */
export interface SinkContext {
  /** The batch's sequence number in this batcher (1, 2, ...). */
  readonly batch: number;
  /** The group key of every item in the batch (undefined without `groupBy`). */
  readonly group: GroupKey;
  /** Each item's id, in the order of `items`: answer with a Map (or object) keyed by these. */
  readonly ids: readonly ItemId[];
  /** Aborted when the batch times out, every caller of the batch cancelled, or the batcher exited. */
  readonly signal: AbortSignal;
  /** Adds this batch's token counts to efficiency() and its telemetry event. */
  recordTokens(usage: TokenUsage): void;
}

/**
 * A sink's answer: one result per item, as an array in the order of `items`, or a Map (or plain
 * object) keyed by item id. An `Error` as an item's result rejects that item only.
 */
export type SinkResults<R> =
  ReadonlyArray<R | Error> | ReadonlyMap<ItemId, R | Error> | Readonly<Record<string, R | Error>>;

export type Sink<I, R> = (items: I[], ctx: SinkContext) => SinkResults<R> | PromiseLike<SinkResults<R>>;

export interface BatcherOptions<I, R> {
  /** Takes a batch and answers each item. Called by the batcher process; may be async. */
  sink: Sink<I, R>;
  /** Registered name of the batcher process, and the label of its errors and events. */
  name?: string;
  /** Default `semantic` with `groupBy`, else `time`. */
  strategy?: Strategy;
  /** The window, in ms (default 10). */
  maxDelayMs?: number;
  /** Items per batch at most (default 50). */
  maxItems?: number;
  /** Bytes per batch at most, by `sizeOf` (default: no cap). */
  maxBytes?: number;
  /** Tokens per batch at most, by `tokensOf` (default: no cap). */
  maxTokens?: number;
  /** An item's size in bytes (default: UTF-8 length of a string, else of its JSON). */
  sizeOf?: (item: I) => number;
  /** An item's tokens (default: gpt-tokenizer's o200k_base count of a string, else of its JSON). */
  tokensOf?: (item: I) => number;
  /** Semantic batching: items with different keys never share a batch. */
  groupBy?: (item: I) => GroupKey;
  /** The id a keyed answer uses for an item (default: the batcher's sequence number). */
  idOf?: (item: I) => ItemId;
  /** `adaptive`: the wait an item may be given, in ms (default `maxDelayMs`). */
  targetLatencyMs?: number;
  /** Batches at the sink at once (default: no limit). */
  maxInFlight?: number;
  /** Items accepted and not yet dispatched, at most; past it `add` rejects with BatcherOverloadError (default 100000). */
  maxQueued?: number;
  /** How long the sink may take over a batch (default 30000 ms; Infinity for no limit). */
  sinkTimeoutMs?: number;
  /** Time and timers (default: performance.now() and the process's own timers). */
  clock?: Clock;
}

/** The options, checked and with their defaults. */
export interface Settings<I, R> {
  readonly name: string;
  readonly sink: Sink<I, R>;
  readonly strategy: Strategy;
  /** Infinity when a `count` batcher has no explicit window. */
  readonly windowMs: number;
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly maxTokens: number;
  readonly sizeOf: ((item: I) => number) | undefined;
  readonly tokensOf: ((item: I) => number) | undefined;
  readonly groupBy: ((item: I) => GroupKey) | undefined;
  readonly idOf: ((item: I) => ItemId) | undefined;
  readonly targetLatencyMs: number;
  readonly maxInFlight: number;
  readonly maxQueued: number;
  readonly sinkTimeoutMs: number;
  readonly clock: Clock | undefined;
}

const STRATEGIES: readonly Strategy[] = ['time', 'count', 'semantic', 'adaptive'];

function checkFunction(options: object, key: string, required: boolean): void {
  const value = (options as Record<string, unknown>)[key];
  if (value === undefined && !required) return;
  if (typeof value !== 'function')
    throw new BatcherArgError(`${key} must be a function, got ${value === null ? 'null' : typeof value}`);
}

/** A number option: finite (or Infinity where allowed), not NaN, at least `min`, an integer where asked. */
function numberOption(
  options: object,
  key: string,
  fallback: number,
  rule: { min: number; integer?: boolean; infinite?: boolean },
): number {
  const value = (options as Record<string, unknown>)[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new BatcherArgError(`${key} must be a number, got ${typeof value === 'number' ? 'NaN' : typeof value}`);
  if (value === Infinity && rule.infinite === true) return value;
  if (!Number.isFinite(value)) throw new BatcherArgError(`${key} must be finite, got ${value}`);
  if (value < rule.min) throw new BatcherArgError(`${key} must be at least ${rule.min}, got ${value}`);
  if (rule.integer === true && !Number.isInteger(value))
    throw new BatcherArgError(`${key} must be an integer, got ${value}`);
  return value;
}

let unique = 0;

export function settle<I, R>(options: BatcherOptions<I, R>): Settings<I, R> {
  if (options === null || typeof options !== 'object')
    throw new BatcherArgError('options must be an object with a sink');
  checkFunction(options, 'sink', true);
  for (const key of ['sizeOf', 'tokensOf', 'groupBy', 'idOf']) checkFunction(options, key, false);
  const name = options.name ?? `batcher_${process.pid}_${++unique}`;
  if (typeof name !== 'string' || name.length === 0) throw new BatcherArgError('name must be a non-empty string');
  const strategy = options.strategy ?? (options.groupBy === undefined ? 'time' : 'semantic');
  if (!STRATEGIES.includes(strategy))
    throw new BatcherArgError(`strategy must be one of ${STRATEGIES.join(', ')}, got ${String(strategy)}`);
  if (strategy === 'semantic' && options.groupBy === undefined)
    throw new BatcherArgError('strategy semantic needs groupBy');
  const maxDelayMs = numberOption(options, 'maxDelayMs', 10, { min: 0 });
  const clock = options.clock;
  if (
    clock !== undefined &&
    (clock === null ||
      typeof clock.now !== 'function' ||
      typeof clock.setTimeout !== 'function' ||
      typeof clock.clearTimeout !== 'function')
  ) {
    throw new BatcherArgError('clock must have now(), setTimeout(fn, ms) and clearTimeout(handle)');
  }
  return {
    name,
    sink: options.sink,
    strategy,
    windowMs: strategy === 'count' && options.maxDelayMs === undefined ? Infinity : maxDelayMs,
    maxItems: numberOption(options, 'maxItems', 50, { min: 1, integer: true, infinite: true }),
    maxBytes: numberOption(options, 'maxBytes', Infinity, { min: 1, infinite: true }),
    maxTokens: numberOption(options, 'maxTokens', Infinity, { min: 1, infinite: true }),
    sizeOf: options.sizeOf,
    tokensOf: options.tokensOf,
    groupBy: options.groupBy,
    idOf: options.idOf,
    targetLatencyMs: numberOption(options, 'targetLatencyMs', maxDelayMs, { min: 0 }),
    maxInFlight: numberOption(options, 'maxInFlight', Infinity, { min: 1, integer: true, infinite: true }),
    maxQueued: numberOption(options, 'maxQueued', 100_000, { min: 1, integer: true, infinite: true }),
    sinkTimeoutMs: numberOption(options, 'sinkTimeoutMs', 30_000, { min: 1, infinite: true }),
    clock,
  };
}
