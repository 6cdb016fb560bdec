/**
 * A decoder: a KV cache owned by the AttentionServer and the steps run on
 * it. Each step appends its tokens' K and V in place and computes their rows
 * against the whole cache over the pool; steps on one decoder run one at a
 * time. A step that fails or is aborted leaves the cache as it was.
 */
import { AttentionArgError, NotRunningError } from './errors';
import type { DecodeStep, KvCache } from './kv-cache';
import type { ServerCall, ServerReply, StartRequest } from './server';
import { collect, type AttentionStream } from './stream';

export interface StepOptions {
  signal?: AbortSignal;
  retries?: number;
}

/** What a decoder needs from its FlashAttention. */
export interface DecoderHost {
  open(what: Pick<StartRequest, 'prefill' | 'decode'>, options: StepOptions): AttentionStream;
  call(request: ServerCall): Promise<ServerReply>;
}

export class Decoder {
  private tail: Promise<unknown> = Promise.resolve();

  /** @internal */
  constructor(
    private readonly attention: DecoderHost,
    private readonly cache: KvCache,
  ) {}

  /** Tokens in the cache. */
  get length(): number {
    return this.cache.length;
  }

  get capacity(): number {
    return this.cache.capacity;
  }

  /** Bytes the cache holds in the shared memory. */
  get bytes(): number {
    return this.cache.bytes;
  }

  /** Appends the step's tokens and resolves with their output rows, (batch, heads, tokens, d). */
  step(step: DecodeStep, options: StepOptions = {}): Promise<Float32Array> {
    const run = this.tail.then(() => {
      if (this.cache.isClosed) throw new NotRunningError('this decoder is closed');
      if (typeof step !== 'object' || step === null || !(step.q instanceof Float32Array))
        throw new AttentionArgError('step must be { q, k, v, keyMask? } with Float32Array tensors');
      const tokens = step.q.length / (this.cache.batch * this.cache.heads * this.cache.d);
      const stream: AttentionStream = this.attention.open({ decode: { cache: this.cache, step } }, options);
      return collect(stream, {
        batch: this.cache.batch,
        heads: this.cache.heads,
        queries: Math.max(1, Math.floor(tokens)),
        d: this.cache.d,
      });
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Frees the cache. */
  async close(): Promise<void> {
    await this.tail;
    const answer = await this.attention.call({ closeCache: this.cache });
    if ('error' in answer) throw answer.error;
  }
}
