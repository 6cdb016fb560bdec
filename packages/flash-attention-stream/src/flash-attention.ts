/**
 * FlashAttention: the package's public face. `create` reserves the shared
 * memory and loads the kernel on this thread; `childSpec` puts the
 * supervisor in any tree:
 *
 *   <name>                 one_for_one, on the scheduler (thread) that created the instance
 *   ├─ server              the AttentionServer, <name>:server
 *   └─ workers             one_for_one, <name>:workers
 *       └─ on-<k>          a tile worker on scheduler k of the pool, <name>:worker@<k>
 *
 * The client calls (stream, compute, streamTo, decoder, stats) are messages
 * to the server; they are made from the thread that created the instance,
 * since the tensors they carry are handed over by reference (`ack` works
 * from any scheduler).
 */
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import {
  GenServer,
  Supervisor,
  currentPid,
  schedulerOfPid,
  schedulers,
  whereis,
  type ChildSpec,
  type Pid,
  type SupervisorSpec,
} from '@erlmcp/otp';
import { Decoder, type DecoderHost } from './decoder';
import { AttentionEngine, checkEngineOptions, type EngineOptions } from './engine';
import { AbortError, AttentionArgError, AttentionError, NotRunningError } from './errors';
import type { KvCache, KvCacheOptions } from './kv-cache';
import { naiveAttention } from './naive';
import { ProcessSink } from './process-sink';
import { attentionServer, type ServerCall, type ServerHost, type ServerReply, type StartRequest } from './server';
import { checkInput, type AttentionInput } from './shape';
import type { AttentionStats } from './stats';
import { AttentionStream, collect } from './stream';
import { tileWorker, type TileWorkerArgs } from './worker';

/** The compiled worker module that other schedulers load (under ts-jest this file runs from src/, they from dist/). */
const WORKER_MODULE = __filename.endsWith('.ts')
  ? path.resolve(__dirname, '..', 'dist', 'worker.js')
  : path.join(__dirname, 'worker.js');
const remoteTileWorker = GenServer.remote<typeof tileWorker>(WORKER_MODULE, 'tileWorker');

export interface FlashAttentionOptions extends EngineOptions {
  /** The supervisor's name; the server and workers are named after it. Default 'flash_attention'. */
  name?: string;
  /** Schedulers whose threads run tiles. Default: every worker scheduler, or [0] on a one-scheduler node. */
  schedulers?: number[];
  /** Chunks computed ahead of the reader (default 4). */
  highWaterMark?: number;
  /** Times a request's lost tiles are run again when a worker goes down (default 0: the request fails). */
  retries?: number;
}

export interface StreamOptions {
  signal?: AbortSignal;
  highWaterMark?: number;
  retries?: number;
}

export interface SpeedupMeasurement {
  queries: number;
  d: number;
  naiveMs: number;
  oursMs: number;
  speedup: number;
}

let unique = 0;

export class FlashAttention implements ServerHost, DecoderHost {
  readonly name: string;
  readonly engine: AttentionEngine;
  readonly pool: readonly number[];
  private readonly highWaterMark: number;
  private readonly retries: number;
  private readonly thread = threadId;
  private supervisor: Pid | undefined;
  private nextId = 1;

  private constructor(options: FlashAttentionOptions) {
    const count = schedulers().length;
    this.name = options.name ?? (unique++ === 0 ? 'flash_attention' : `flash_attention_${unique}`);
    if (typeof this.name !== 'string' || this.name.length === 0)
      throw new AttentionArgError('name must be a non-empty string');
    const pool = options.schedulers ?? (count > 1 ? Array.from({ length: count - 1 }, (_, i) => i + 1) : [0]);
    if (
      !Array.isArray(pool) ||
      pool.length === 0 ||
      pool.some((k) => !Number.isInteger(k) || k < 0 || k >= count) ||
      new Set(pool).size !== pool.length
    ) {
      throw new AttentionArgError(
        `schedulers must be distinct scheduler numbers in 0..${count - 1}, got ${JSON.stringify(pool)}`,
      );
    }
    this.pool = pool;
    this.highWaterMark = positive('highWaterMark', options.highWaterMark ?? 4);
    this.retries = nonNegative('retries', options.retries ?? 0);
    this.engine = new AttentionEngine(checkEngineOptions(options));
  }

  /** Reserves the shared memory and loads the kernel here. Run the server with `childSpec()` in a tree, or `start()`. */
  static create(options: FlashAttentionOptions = {}): FlashAttention {
    return new FlashAttention(options);
  }

  get serverName(): string {
    return `${this.name}:server`;
  }

  workerName(scheduler: number): string {
    return `${this.name}:worker@${scheduler}`;
  }

  childSpec(id: string = this.name): ChildSpec {
    return { id, type: 'supervisor', shutdown: 'infinity', start: () => this.startSupervisor(true) };
  }

  /** Starts the supervisor unlinked (scripts, tests). */
  async start(): Promise<Pid> {
    return this.startSupervisor(false);
  }

  /** Stops what `start()` started; the memory stays for a later start. */
  async stop(): Promise<void> {
    const sup = this.supervisor;
    if (sup === undefined) throw new NotRunningError('stop: the attention supervisor was not started here');
    this.supervisor = undefined;
    await GenServer.stop(sup, 'shutdown');
  }

  /**
   * Streams a request's output rows as they are finished: chunks of up to
   * TILE_ROWS rows of one batch entry, every head, in order. Bad input
   * throws here, before anything is sent.
   */
  stream(input: AttentionInput, options: StreamOptions = {}): AttentionStream {
    this.checkThread('stream');
    const dims = checkInput(input, this.engine.options.maxSequence, this.engine.options.nonFinite);
    return this.open({ prefill: { input, dims } }, options);
  }

  /** The whole output, (batch, heads, queries, d), computed over the pool. */
  async compute(input: AttentionInput, options: StreamOptions = {}): Promise<Float32Array> {
    const dims = checkInput(input, this.engine.options.maxSequence, this.engine.options.nonFinite);
    this.checkThread('compute');
    // Read whole, so no reader to keep pace with: tiles go head by head, for cache reuse.
    return collect(this.open({ prefill: { input, dims }, order: 'heads' }, options), dims);
  }

  /** Streams a request's rows to a process as messages (see AttentionMessage); resolves with the request id to `ack` with. */
  async streamTo(to: Pid, input: AttentionInput, options: { window?: number; retries?: number } = {}): Promise<number> {
    this.checkThread('streamTo');
    const dims = checkInput(input, this.engine.options.maxSequence, this.engine.options.nonFinite);
    const id = this.nextId++;
    const answer = await this.call({
      start: {
        id,
        prefill: { input, dims },
        sink: new ProcessSink(to, id),
        owner: to,
        window: positive('window', options.window ?? this.highWaterMark),
        retries: options.retries ?? this.retries,
      },
    });
    if ('error' in answer) throw answer.error;
    return id;
  }

  /** The receiver of streamTo has handled a chunk: one more may be sent. Works from any scheduler. */
  ack(id: number): void {
    GenServer.cast(this.serverName, { read: id });
  }

  /** A decoder over a new KV cache in the shared memory. */
  async decoder(options: KvCacheOptions): Promise<Decoder> {
    this.checkThread('decoder');
    const answer = await this.call({ openCache: options });
    if ('error' in answer) throw answer.error;
    return new Decoder(this, (answer as { cache: KvCache }).cache);
  }

  async stats(): Promise<AttentionStats> {
    return (await this.call('stats')) as AttentionStats;
  }

  /**
   * Times naive attention (scores materialized) and this instance's kernel on
   * the same random (1, 1, queries, d) input, on this thread: the speedup the
   * kernel gives, measured. Blocks this thread for the naive run.
   */
  measureSpeedup(shape: { queries: number; d: number } = { queries: 512, d: 64 }): SpeedupMeasurement {
    const { queries, d } = shape;
    const n = queries * d;
    const fill = () => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
    const input: AttentionInput = { q: fill(), k: fill(), v: fill(), shape: { batch: 1, heads: 1, queries, d } };
    this.engine.compute(input); // compiled and warm
    let t = performance.now();
    this.engine.compute(input);
    const oursMs = performance.now() - t;
    t = performance.now();
    naiveAttention(input);
    const naiveMs = performance.now() - t;
    return { queries, d, naiveMs, oursMs, speedup: naiveMs / oursMs };
  }

  /** @internal Starts a request on the server; errors reach the stream. */
  open(what: Pick<StartRequest, 'prefill' | 'decode' | 'order'>, options: StreamOptions): AttentionStream {
    const id = this.nextId++;
    const stream = new AttentionStream(
      () => GenServer.cast(this.serverName, { read: id }),
      (error) => GenServer.cast(this.serverName, { cancel: id, error }),
    );
    const signal = options.signal;
    if (signal?.aborted === true) {
      stream.fail(new AbortError('the signal was aborted before the request started', { cause: signal.reason }));
      return stream;
    }
    const onAbort = () => stream.cancel(new AbortError('the request was aborted', { cause: signal!.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.summary.then(
      () => signal?.removeEventListener('abort', onAbort),
      () => signal?.removeEventListener('abort', onAbort),
    );
    const request: StartRequest = {
      id,
      ...what,
      sink: stream,
      owner: currentPid(),
      window: positive('highWaterMark', options.highWaterMark ?? this.highWaterMark),
      retries: nonNegative('retries', options.retries ?? this.retries),
    };
    this.call({ start: request }).then(
      (answer) => 'error' in answer && stream.fail(answer.error),
      (error: unknown) =>
        stream.fail(
          error instanceof AttentionError
            ? error
            : new NotRunningError(`the attention server did not answer: ${(error as Error).message}`),
        ),
    );
    return stream;
  }

  /** @internal */
  call(request: ServerCall): Promise<ServerReply> {
    if (whereis(this.serverName) === undefined)
      return Promise.reject(new NotRunningError(`the attention server ${this.serverName} is not running`));
    return GenServer.call(this.serverName, request, 60_000) as Promise<ServerReply>;
  }

  private checkThread(what: string): void {
    if (threadId !== this.thread)
      throw new NotRunningError(
        `${what}: call it on the thread that created this FlashAttention (it hands tensors over by reference)`,
      );
  }

  private async startSupervisor(linked: boolean): Promise<Pid> {
    const workers: SupervisorSpec = {
      strategy: 'one_for_one',
      intensity: 10,
      period: 5,
      children: this.pool.map((k) => this.workerSpec(k)),
    };
    const spec: SupervisorSpec = {
      strategy: 'one_for_one',
      intensity: 10,
      period: 5,
      children: [
        GenServer.childSpec('server', attentionServer, this as ServerHost, { name: this.serverName }),
        {
          id: 'workers',
          type: 'supervisor',
          shutdown: 'infinity',
          start: () => Supervisor.startLink(workers, { name: `${this.name}:workers` }),
        },
      ],
    };
    const pid = linked
      ? await Supervisor.startLink(spec, { name: this.name })
      : await Supervisor.start(spec, { name: this.name });
    this.supervisor = pid;
    return pid;
  }

  private workerSpec(k: number): ChildSpec {
    return {
      id: `on-${k}`,
      start: () => {
        const args: TileWorkerArgs = {
          memory: this.engine.memory.memory,
          kernel: this.engine.kernel.name,
          scheduler: k,
          server: this.serverName,
        };
        const here = currentPid();
        if (here !== undefined && schedulerOfPid(here) === k)
          return GenServer.startLink(tileWorker, args, { name: this.workerName(k) });
        return GenServer.startLink(remoteTileWorker, args, { name: this.workerName(k), scheduler: k });
      },
    };
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new AttentionArgError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new AttentionArgError(`${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}
