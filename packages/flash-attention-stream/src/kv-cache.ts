/**
 * A KV cache for incremental decoding, in the shared memory: K and V laid out
 * (batch, kvHeads, capacity, d), so appending a token writes its rows after
 * the last ones, in place; nothing already cached is copied, ever. A decode
 * step appends the new tokens' K and V and computes their query rows against
 * the whole cache, causally among themselves (a new row sees every cached
 * token and the new ones up to itself).
 */
import { DtypeError, LimitError, NotRunningError, ShapeError } from './errors';
import type { Job } from './job';
import type { SharedMemory } from './memory';
import { checkFinite, checkMask, checkScale, checkShape, type Dims, type NonFinitePolicy } from './shape';

export interface KvCacheOptions {
  batch: number;
  heads: number;
  /** Default: heads. */
  kvHeads?: number;
  d: number;
  /** Tokens the cache can hold (at most the engine's maxSequence). */
  capacity: number;
  scale?: number;
}

export interface DecodeStep {
  /** The new tokens' queries, (batch, heads, tokens, d). */
  q: Float32Array;
  /** Their keys and values, (batch, kvHeads, tokens, d). */
  k: Float32Array;
  v: Float32Array;
  /** Which of the new tokens later rows may attend, (batch, tokens); default all. Padding of a batch's prompt, for instance. */
  keyMask?: Uint8Array;
}

/** Allocation and the job factory the cache needs from its engine (kept narrow so the cache does not depend on the engine). */
export interface CacheHost {
  readonly memory: SharedMemory;
  readonly nonFinite: NonFinitePolicy;
  readonly maxSequence: number;
  makeJob(
    dims: Dims,
    at: {
      q: number;
      k: number;
      v: number;
      o: number;
      bias: number;
      biasStride: number;
      kvHeadStride: number;
      causal: boolean;
      scale?: number;
    },
  ): Job;
}

export class KvCache {
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly d: number;
  readonly capacity: number;
  readonly scale: number | undefined;
  /** Tokens cached so far. */
  length = 0;
  private readonly k: number;
  private readonly v: number;
  private readonly bias: number;
  private readonly biasStride: number;
  /** Whether any cached token is masked: until then steps skip the mask. */
  private masked = false;
  private closed = false;

  constructor(
    private readonly host: CacheHost,
    options: KvCacheOptions,
  ) {
    if (typeof options !== 'object' || options === null)
      throw new ShapeError('cache options must be an object { batch, heads, kvHeads?, d, capacity }');
    const dims = checkShape(
      {
        batch: options.batch,
        heads: options.heads,
        kvHeads: options.kvHeads,
        queries: 1,
        keys: options.capacity,
        d: options.d,
      },
      host.maxSequence,
    );
    checkScale(options.scale);
    this.batch = dims.batch;
    this.heads = dims.heads;
    this.kvHeads = dims.kvHeads;
    this.d = dims.d;
    this.capacity = dims.keys;
    this.scale = options.scale;
    const floats = this.batch * this.kvHeads * this.capacity * this.d;
    this.biasStride = Math.ceil(this.capacity / 8) * 8 + 8;
    const memory = host.memory;
    this.k = memory.alloc(floats * 4);
    try {
      this.v = memory.alloc(floats * 4);
      try {
        this.bias = memory.alloc(this.batch * this.biasStride * 4);
      } catch (error) {
        memory.release(this.v);
        throw error;
      }
    } catch (error) {
      memory.release(this.k);
      throw error;
    }
    memory.f32(this.bias, this.batch * this.biasStride).fill(-Infinity);
  }

  /** Bytes the cache holds in the shared memory (K, V and the mask row), reserved up front for its capacity. */
  get bytes(): number {
    return (2 * this.batch * this.kvHeads * this.capacity * this.d + this.batch * this.biasStride) * 4;
  }

  /**
   * Checks a step, appends its keys and values in place and returns the job
   * of its query rows (q and o regions of its own, freed by `endStep`).
   * Nothing is appended when the step is refused.
   */
  beginStep(step: DecodeStep): Job {
    if (this.closed) throw new NotRunningError('this KV cache is closed');
    const tokens = this.checkStep(step);
    const { batch, heads, kvHeads, d, capacity } = this;
    const memory = this.host.memory;
    const qFloats = batch * heads * tokens * d;
    const q = memory.alloc(qFloats * 4);
    let o: number;
    try {
      o = memory.alloc(qFloats * 4);
    } catch (error) {
      memory.release(q);
      throw error;
    }
    memory.f32(q, qFloats).set(step.q);
    for (let b = 0; b < batch; b++) {
      for (let g = 0; g < kvHeads; g++) {
        const from = (b * kvHeads + g) * tokens * d;
        const to = ((b * kvHeads + g) * capacity + this.length) * d * 4;
        memory.f32(this.k + to, tokens * d).set(step.k.subarray(from, from + tokens * d));
        memory.f32(this.v + to, tokens * d).set(step.v.subarray(from, from + tokens * d));
      }
      const biasRow = memory.f32(this.bias + (b * this.biasStride + this.length) * 4, tokens);
      for (let t = 0; t < tokens; t++) {
        const attend = step.keyMask === undefined || step.keyMask[b * tokens + t] !== 0;
        biasRow[t] = attend ? 0 : -Infinity;
        if (!attend) this.masked = true;
      }
    }
    this.length += tokens;
    const dims: Dims = { batch, heads, kvHeads, queries: tokens, keys: this.length, d };
    return this.host.makeJob(dims, {
      q,
      k: this.k,
      v: this.v,
      o,
      bias: this.masked ? this.bias : 0,
      biasStride: this.biasStride,
      kvHeadStride: capacity * d,
      causal: true,
      scale: this.scale,
    });
  }

  /** A step is running on the server: another may not begin until it ends. */
  busy = false;

  /** Forgets tokens past `length` (a step that failed or was aborted): the next step writes over them. */
  rollback(length: number): void {
    if (length < this.length) this.length = length;
  }

  /** Frees a step's own regions (not the cache's). */
  endStep(job: Job): void {
    this.host.memory.release(job.q);
    this.host.memory.release(job.o);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Frees the cache's memory. Later steps throw NotRunningError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.memory.release(this.k);
    this.host.memory.release(this.v);
    this.host.memory.release(this.bias);
  }

  private checkStep(step: DecodeStep): number {
    if (typeof step !== 'object' || step === null)
      throw new ShapeError('a decode step must be an object { q, k, v, keyMask? }');
    const { batch, heads, kvHeads, d } = this;
    if (!(step.q instanceof Float32Array)) throw new DtypeError('q', 'Float32Array', step.q);
    if (!(step.k instanceof Float32Array)) throw new DtypeError('k', 'Float32Array', step.k);
    if (!(step.v instanceof Float32Array)) throw new DtypeError('v', 'Float32Array', step.v);
    const perToken = batch * heads * d;
    if (step.q.length === 0 || step.q.length % perToken !== 0)
      throw new ShapeError(
        `q has ${step.q.length} elements: not a positive multiple of batch ${batch} x heads ${heads} x d ${d}`,
      );
    const tokens = step.q.length / perToken;
    const kvFloats = batch * kvHeads * tokens * d;
    if (step.k.length !== kvFloats)
      throw new ShapeError(
        `k has ${step.k.length} elements; ${tokens} new tokens need (batch ${batch}, kvHeads ${kvHeads}, ${tokens}, d ${d}) = ${kvFloats}`,
      );
    if (step.v.length !== kvFloats)
      throw new ShapeError(
        `v has ${step.v.length} elements; ${tokens} new tokens need (batch ${batch}, kvHeads ${kvHeads}, ${tokens}, d ${d}) = ${kvFloats}`,
      );
    checkMask(step.keyMask, batch, tokens);
    if (this.length + tokens > this.capacity)
      throw new LimitError(`the KV cache holds ${this.length} of ${this.capacity} tokens: ${tokens} more do not fit`);
    if (this.host.nonFinite === 'reject') {
      checkFinite('q', step.q, heads, tokens, d);
      checkFinite('k', step.k, kvHeads, tokens, d);
      checkFinite('v', step.v, kvHeads, tokens, d);
    }
    return tokens;
  }
}
