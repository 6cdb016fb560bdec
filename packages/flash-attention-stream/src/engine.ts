/**
 * The engine: a shared memory, a kernel on this thread, and the layout of
 * requests in that memory. `compute` runs a whole request here,
 * synchronously; the AttentionServer uses the same engine to lay requests
 * out and hands their tasks to the tile workers on other schedulers.
 */
import { JsKernel } from './js-kernel';
import type { Kernel, KernelName } from './kernel';
import { SharedMemory } from './memory';
import { chunkCount, runTask, tileRowsFor, type Job } from './job';
import { checkInput, type AttentionInput, type Dims, type NonFinitePolicy } from './shape';
import { AttentionArgError } from './errors';
import { loadWasmKernel } from './wasm-kernel';
import { KvCache, type CacheHost, type DecodeStep, type KvCacheOptions } from './kv-cache';

export type KernelChoice = KernelName | 'auto';

export interface EngineOptions {
  /** 'auto' (default): relaxed SIMD where this Node can enable it, else SIMD, else the TypeScript kernel. */
  kernel?: KernelChoice;
  /** Longest query or key sequence accepted (default 16384). */
  maxSequence?: number;
  /** NaN and infinities in Q, K, V: 'reject' (default) throws NonFiniteError; 'allow' computes (the rows they reach are NaN). */
  nonFinite?: NonFinitePolicy;
  /** Largest size of the shared memory (default 1 GiB; at most 4 GiB). */
  maxMemoryBytes?: number;
}

export const DEFAULT_MAX_SEQUENCE = 16384;
const DEFAULT_MAX_MEMORY = 1024 * 1024 * 1024;

/** The kernel named, or the best this thread can run; `memory` is what its instance imports. */
export function loadKernel(memory: WebAssembly.Memory, choice: KernelChoice): Kernel {
  if (choice === 'js') return new JsKernel(memory);
  if (choice === 'relaxed' || choice === 'simd') return loadWasmKernel(memory, choice);
  if (choice !== 'auto')
    throw new AttentionArgError(`kernel must be 'auto', 'relaxed', 'simd' or 'js', got ${String(choice)}`);
  for (const name of ['relaxed', 'simd'] as const) {
    try {
      return loadWasmKernel(memory, name);
    } catch {
      // not available on this Node: try the next
    }
  }
  return new JsKernel(memory);
}

export function checkEngineOptions(options: EngineOptions): Required<EngineOptions> {
  const maxSequence = options.maxSequence ?? DEFAULT_MAX_SEQUENCE;
  if (!Number.isInteger(maxSequence) || maxSequence < 1)
    throw new AttentionArgError(`maxSequence must be a positive integer, got ${String(maxSequence)}`);
  const nonFinite = options.nonFinite ?? 'reject';
  if (nonFinite !== 'reject' && nonFinite !== 'allow')
    throw new AttentionArgError(`nonFinite must be 'reject' or 'allow', got ${String(nonFinite)}`);
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  if (!Number.isFinite(maxMemoryBytes) || maxMemoryBytes < 4 * 65536)
    throw new AttentionArgError(`maxMemoryBytes must be at least 262144, got ${String(maxMemoryBytes)}`);
  return { kernel: options.kernel ?? 'auto', maxSequence, nonFinite, maxMemoryBytes };
}

/** Floats per batch entry of a key mask's bias row: padded so the kernels may read whole vectors past the last key. */
export function biasStride(keys: number): number {
  return Math.ceil(keys / 8) * 8 + 8;
}

export class AttentionEngine implements CacheHost {
  readonly memory: SharedMemory;
  readonly kernel: Kernel;
  readonly options: Required<EngineOptions>;
  private scratch = 0;
  private nextId = 1;

  constructor(options: EngineOptions = {}) {
    this.options = checkEngineOptions(options);
    this.memory = new SharedMemory({ maxBytes: this.options.maxMemoryBytes });
    this.kernel = loadKernel(this.memory.memory, this.options.kernel);
  }

  get nonFinite(): NonFinitePolicy {
    return this.options.nonFinite;
  }

  get maxSequence(): number {
    return this.options.maxSequence;
  }

  /** Attention for a whole request on this thread; the result is (batch, heads, queries, d). */
  compute(input: AttentionInput): Float32Array {
    const job = this.load(input);
    try {
      this.runAll(job);
      return this.output(job);
    } finally {
      this.release(job);
    }
  }

  /** A KV cache in this engine's memory, for `decode`. */
  createCache(options: KvCacheOptions): KvCache {
    return new KvCache(this, options);
  }

  /** One decode step on this thread: appends the step's K/V to the cache, returns its rows' output (batch, heads, tokens, d). */
  decode(cache: KvCache, step: DecodeStep): Float32Array {
    const job = cache.beginStep(step);
    try {
      this.runAll(job);
      return this.output(job);
    } finally {
      cache.endStep(job);
    }
  }

  /** Every task of a job, here, head by head: consecutive tiles of one head reuse its K and V from the cache. */
  runAll(job: Job): void {
    const scratch = this.ensureScratch();
    const chunks = chunkCount(job);
    for (let h = 0; h < job.heads; h++)
      for (let c = 0; c < chunks; c++) runTask(this.kernel, job, c * job.heads + h, scratch);
  }

  /** A job's whole output, copied out. */
  output(job: Job): Float32Array {
    return this.memory.f32(job.o, job.batch * job.heads * job.queries * job.d).slice();
  }

  /** Checks a request (unless the caller did: `checked`) and copies it into the shared memory. */
  load(input: AttentionInput, checked?: Dims): Job {
    const dims = checked ?? checkInput(input, this.options.maxSequence, this.options.nonFinite);
    const { batch, heads, kvHeads, queries, keys, d } = dims;
    const qFloats = batch * heads * queries * d;
    const kvFloats = batch * kvHeads * keys * d;
    const regions: number[] = [];
    try {
      const take = (floats: number): number => {
        const at = this.memory.alloc(floats * 4);
        regions.push(at);
        return at;
      };
      const q = take(qFloats);
      const k = take(kvFloats);
      const v = take(kvFloats);
      const o = take(qFloats);
      this.memory.f32(q, qFloats).set(input.q);
      this.memory.f32(k, kvFloats).set(input.k);
      this.memory.f32(v, kvFloats).set(input.v);
      let bias = 0;
      const stride = biasStride(keys);
      if (input.keyMask !== undefined) {
        bias = take(batch * stride);
        writeBias(this.memory.f32(bias, batch * stride), input.keyMask, batch, keys, stride);
      }
      return this.makeJob(dims, {
        q,
        k,
        v,
        o,
        bias,
        biasStride: stride,
        kvHeadStride: keys * d,
        causal: input.causal === true,
        scale: input.scale,
      });
    } catch (error) {
      for (const at of regions) this.memory.release(at);
      throw error;
    }
  }

  /** A job over regions already in the memory (a KV cache's, for a decode step). */
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
  ): Job {
    const tileRows = tileRowsFor(dims.queries);
    return {
      id: this.nextId++,
      ...dims,
      q: at.q,
      k: at.k,
      v: at.v,
      o: at.o,
      kvHeadStride: at.kvHeadStride,
      bias: at.bias,
      biasStride: at.biasStride,
      causalOffset: at.causal ? dims.keys - dims.queries : null,
      c: (at.scale ?? 1 / Math.sqrt(dims.d)) * Math.LOG2E,
      tiles: Math.ceil(dims.queries / tileRows),
      tileRows,
    };
  }

  /** Frees a loaded request's regions. */
  release(job: Job): void {
    for (const at of [job.q, job.k, job.v, job.o, job.bias]) if (at !== 0) this.memory.release(at);
  }

  /** Rows of chunk `chunk` (one batch entry's row tile, every head) copied out: (heads, rows, d). */
  readChunk(job: Job, chunk: number): { batch: number; rowStart: number; rows: number; data: Float32Array } {
    const tile = chunk % job.tiles;
    const b = (chunk - tile) / job.tiles;
    const rowStart = tile * job.tileRows;
    const rows = Math.min(job.tileRows, job.queries - rowStart);
    const { d, heads, queries } = job;
    const data = new Float32Array(heads * rows * d);
    for (let h = 0; h < heads; h++) {
      data.set(this.memory.f32(job.o + ((b * heads + h) * queries + rowStart) * d * 4, rows * d), h * rows * d);
    }
    return { batch: b, rowStart, rows, data };
  }

  /** This thread's scratch, allocated once for the largest head size. */
  ensureScratch(): number {
    if (this.scratch === 0) {
      const bytes = this.kernel.scratchBytes(128);
      this.scratch = bytes === 0 ? 0 : this.memory.alloc(bytes);
    }
    return this.scratch;
  }
}

/** 0 where the mask attends, -Infinity where it pads; rows padded with -Infinity. */
export function writeBias(bias: Float32Array, mask: Uint8Array, batch: number, keys: number, stride: number): void {
  bias.fill(-Infinity);
  for (let b = 0; b < batch; b++) for (let j = 0; j < keys; j++) if (mask[b * keys + j] !== 0) bias[b * stride + j] = 0;
}
