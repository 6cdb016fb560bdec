/**
 * What a batcher measured: batches, items, batch sizes, the wait batching
 * added to each item (from add to dispatch, in an HDR histogram at 1 µs
 * resolution), and the token counts an LLM sink reported. The batcher process
 * writes it; the handle keeps it, so it survives restarts and is read without
 * a message.
 */
import * as hdr from 'hdr-histogram-js';
import type { TokenUsage } from './options';

export interface TokenEfficiency {
  individualInput: number;
  batchedInput: number;
  individualOutput: number;
  batchedOutput: number;
  /** Totals the provider reported for the batched requests (0 where it reported none). */
  providerInput: number;
  providerOutput: number;
  /** 1 - batchedInput / individualInput, over every batch so far. */
  inputSavings: number;
  /** 1 - (batchedInput + batchedOutput) / (individualInput + individualOutput). */
  totalSavings: number;
}

export interface Efficiency {
  /** Batches the sink finished (answered, failed or timed out). */
  batches: number;
  /** Items in those batches. */
  items: number;
  meanBatchSize: number;
  maxBatchSize: number;
  /** Wait from add() to dispatch to the sink, measured per item, in ms. */
  addedWaitMs: { p50: number; p99: number; max: number; mean: number };
  /** Batches whose sink threw or timed out. */
  failedBatches: number;
  /** Present once a sink reported token counts (the LLM layer does). */
  tokens?: TokenEfficiency;
}

export class EfficiencyStats {
  batches = 0;
  items = 0;
  maxBatchSize = 0;
  failedBatches = 0;
  private readonly wait = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  private tokens: TokenEfficiency | undefined = undefined;

  /** `count` items that waited `ms` each. */
  recordWait(ms: number, count: number): void {
    this.wait.recordValueWithCount(Math.max(1, Math.round(ms * 1000)), count);
  }

  recordBatch(size: number, failed: boolean, usage: TokenUsage | undefined): void {
    this.batches++;
    this.items += size;
    if (size > this.maxBatchSize) this.maxBatchSize = size;
    if (failed) this.failedBatches++;
    if (usage !== undefined) this.recordTokens(usage);
  }

  private recordTokens(u: TokenUsage): void {
    const t = (this.tokens ??= {
      individualInput: 0,
      batchedInput: 0,
      individualOutput: 0,
      batchedOutput: 0,
      providerInput: 0,
      providerOutput: 0,
      inputSavings: 0,
      totalSavings: 0,
    });
    t.individualInput += u.individualInput;
    t.batchedInput += u.batchedInput;
    t.individualOutput += u.individualOutput ?? 0;
    t.batchedOutput += u.batchedOutput ?? 0;
    t.providerInput += u.providerInput ?? 0;
    t.providerOutput += u.providerOutput ?? 0;
    t.inputSavings = savings(t.batchedInput, t.individualInput);
    t.totalSavings = savings(t.batchedInput + t.batchedOutput, t.individualInput + t.individualOutput);
  }

  snapshot(): Efficiency {
    const w = this.wait;
    const any = w.totalCount > 0;
    // The histogram stores at least 1 µs; report a true 0 when nothing ever waited a microsecond.
    const ms = (us: number) => (any && us > 1 ? us / 1000 : 0);
    return {
      batches: this.batches,
      items: this.items,
      meanBatchSize: this.batches === 0 ? 0 : this.items / this.batches,
      maxBatchSize: this.maxBatchSize,
      addedWaitMs: {
        p50: ms(w.getValueAtPercentile(50)),
        p99: ms(w.getValueAtPercentile(99)),
        max: ms(w.maxValue),
        mean: any ? w.mean / 1000 : 0,
      },
      failedBatches: this.failedBatches,
      ...(this.tokens === undefined ? {} : { tokens: { ...this.tokens } }),
    };
  }
}

/** 1 - batched / individual; 0 when there was nothing to save. */
export function savings(batched: number, individual: number): number {
  return individual > 0 ? 1 - batched / individual : 0;
}
