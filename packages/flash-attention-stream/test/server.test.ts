/**
 * The AttentionServer over real worker-thread schedulers: results equal the
 * engine's on one thread, rows stream in order and a slow reader holds the
 * work back, aborts and exits free the memory, a scheduler killed
 * mid-request fails it with a typed error or is retried, decoding runs on the
 * pool. Workers load dist/ (npm test builds it first).
 */
import { Node, send, spawn } from '@erlmcp/otp';
import {
  AbortError,
  AttentionEngine,
  DtypeError,
  FlashAttention,
  ShapeError,
  TILE_ROWS,
  WorkerDownError,
  referenceAttention,
  type AttentionInput,
  type AttentionMessage,
  type FlashAttentionOptions,
  type RowChunk,
} from '@erlmcp/flash-attention-stream';
import { collector } from '../../../test-support/collector';
import { maxAbsDiff, randomTensor, rng, tolerance } from './helpers';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(5);
}

function input(
  seed: number,
  shape: { batch: number; heads: number; kvHeads?: number; queries: number; keys?: number; d: number },
  causal = false,
): AttentionInput {
  const random = rng(seed);
  const kvHeads = shape.kvHeads ?? shape.heads;
  const keys = shape.keys ?? shape.queries;
  return {
    q: randomTensor(shape.batch * shape.heads * shape.queries * shape.d, random),
    k: randomTensor(shape.batch * kvHeads * keys * shape.d, random),
    v: randomTensor(shape.batch * kvHeads * keys * shape.d, random),
    shape,
    causal,
  };
}

let node: Node;
let attention: FlashAttention;
const local = new AttentionEngine();

async function boot(options: FlashAttentionOptions = {}): Promise<void> {
  node = Node.start({ schedulers: 3, logLevel: 'silent' });
  attention = FlashAttention.create(options);
  await attention.start();
  // Both workers said hello (they start on their threads).
  await eventually(
    async () =>
      (await attention.stats()).workers.every((w) => w.kernel !== undefined) &&
      (await attention.stats()).workers.length === attention.pool.length,
  );
}

afterEach(async () => {
  await node.stop();
});

describe('computing over the pool', () => {
  beforeEach(() => boot());

  it('runs tiles on both worker schedulers, with the relaxed kernel on their threads, and matches the engine on one thread', async () => {
    const x = input(1, { batch: 2, heads: 4, kvHeads: 2, queries: 300, keys: 333, d: 64 }, true);
    const out = await attention.compute(x);
    expect(maxAbsDiff(out, local.compute(x))).toBe(0);
    expect(maxAbsDiff(out, referenceAttention(x))).toBeLessThanOrEqual(tolerance(x));
    const stats = await attention.stats();
    expect(stats.schedulers).toEqual([1, 2]);
    expect(stats.workers.map((w) => w.kernel)).toEqual(['relaxed', 'relaxed']);
    expect(stats.workers.every((w) => w.tasks > 0)).toBe(true);
    expect(stats.workers.reduce((n, w) => n + w.tasks, 0)).toBe(2 * Math.ceil(300 / TILE_ROWS) * 4);
    expect(stats.requests).toMatchObject({ started: 1, completed: 1, running: 0 });
    expect(stats.last!.rows).toBe(600);
    expect(stats.last!.flops).toBeGreaterThan(0);
    // What is left in the shared memory is the two workers' scratch for d = 64: the request's regions were freed.
    expect(stats.scratchBytes).toBe(2 * local.kernel.scratchBytes(64));
    expect(stats.memory.live).toBe(stats.scratchBytes);
  });

  it('streams chunks of every head in row order, each equal to those rows of the result', async () => {
    const x = input(2, { batch: 1, heads: 2, queries: 200, d: 32 });
    const full = local.compute(x);
    const starts: number[] = [];
    for await (const chunk of attention.stream(x)) {
      starts.push(chunk.rowStart);
      for (let h = 0; h < 2; h++) {
        const expected = full.subarray((h * 200 + chunk.rowStart) * 32, (h * 200 + chunk.rowStart + chunk.rows) * 32);
        expect(maxAbsDiff(chunk.data.subarray(h * chunk.rows * 32, (h + 1) * chunk.rows * 32), expected)).toBe(0);
      }
    }
    expect(starts).toEqual(Array.from({ length: Math.ceil(200 / TILE_ROWS) }, (_, i) => i * TILE_ROWS));
  });

  it('holds the work back for a slow reader: no more than highWaterMark chunks ahead', async () => {
    const x = input(3, { batch: 1, heads: 2, queries: TILE_ROWS * 20, d: 64 });
    const stream = attention.stream(x, { highWaterMark: 2 });
    const first = await stream.next();
    expect(first.done).toBe(false);
    // Wait until the workers have nothing left that they are allowed to run.
    await eventually(async () => (await attention.stats()).workers.every((w) => w.running === 0));
    const done = (await attention.stats()).workers.reduce((n, w) => n + w.tasks, 0);
    expect(done).toBeLessThanOrEqual((1 + 2) * 2);
    expect(stream.buffered).toBeLessThanOrEqual(2);
    let chunks = 1;
    for await (const _ of stream) chunks++;
    expect(chunks).toBe(20);
  });

  it('measures the speedup against naive attention when asked, on the same input', () => {
    const m = attention.measureSpeedup({ queries: 96, d: 32 });
    expect(m.naiveMs).toBeGreaterThan(0);
    expect(m.oursMs).toBeGreaterThan(0);
    expect(m.speedup).toBeCloseTo(m.naiveMs / m.oursMs, 10);
  });

  it('refuses bad input at the call, typed, and keeps serving', async () => {
    const x = input(4, { batch: 1, heads: 2, queries: 10, d: 32 });
    expect(() => attention.stream({ ...x, k: new Float32Array(3) })).toThrow(ShapeError);
    await expect(attention.compute({ ...x, v: [] as unknown as Float32Array })).rejects.toBeInstanceOf(DtypeError);
    expect(maxAbsDiff(await attention.compute(x), local.compute(x))).toBe(0);
  });
});

describe('stopping a request frees its memory', () => {
  beforeEach(() => boot());

  const big = () => input(5, { batch: 1, heads: 4, queries: TILE_ROWS * 16, d: 64 });

  it('by AbortSignal: the reader gets an AbortError, the memory comes back', async () => {
    const controller = new AbortController();
    const stream = attention.stream(big(), { signal: controller.signal, highWaterMark: 1 });
    await stream.next();
    controller.abort(new Error('enough'));
    await expect(stream.next()).rejects.toBeInstanceOf(AbortError);
    await eventually(async () => (await attention.stats()).requests.running === 0);
    const stats = await attention.stats();
    // Only the workers' scratch (kept for the next request) is left.
    expect(stats.memory.live).toBe(stats.scratchBytes);
    expect(stats.requests.aborted).toBe(1);
  });

  it('by leaving the for-await loop', async () => {
    for await (const chunk of attention.stream(big(), { highWaterMark: 1 })) {
      expect(chunk.rowStart).toBe(0);
      break;
    }
    await eventually(async () => (await attention.stats()).requests.running === 0);
    expect((await attention.stats()).memory.live).toBe((await attention.stats()).scratchBytes);
  });

  it('by the exit of the process that asked', async () => {
    const c = collector();
    spawn(async (ctx) => {
      const stream = attention.stream(big(), { highWaterMark: 1 });
      await stream.next();
      ctx.send(c.pid, 'first');
      // exits here, with the request still going
    });
    expect(await c.next()).toBe('first');
    await eventually(async () => (await attention.stats()).requests.running === 0);
    const stats = await attention.stats();
    expect(stats.requests.aborted).toBe(1);
    expect(stats.memory.live).toBe(stats.scratchBytes);
  });
});

describe('streaming to a process', () => {
  beforeEach(() => boot());

  it('sends at most `window` chunks before they are acked, then the rest and done', async () => {
    const x = input(6, { batch: 1, heads: 2, queries: TILE_ROWS * 6, d: 32 });
    const c = collector();
    const id = await attention.streamTo(c.pid, x, { window: 2 });
    const got: RowChunk[] = [];
    for (let i = 0; i < 2; i++) got.push(((await c.next()) as Extract<AttentionMessage, { chunk: RowChunk }>).chunk);
    await eventually(async () => (await attention.stats()).workers.every((w) => w.running === 0));
    // Every chunk the server sent is in the collector's mailbox by now: the marker comes first, so there is none.
    send(c.pid, 'marker');
    expect(await c.next()).toBe('marker');
    for (;;) {
      attention.ack(id);
      const m = (await c.next()) as AttentionMessage;
      if ('done' in m) break;
      if ('chunk' in m) got.push(m.chunk);
    }
    expect(got.map((g) => g.rowStart)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * TILE_ROWS));
  });
});

describe('a scheduler that dies mid-request', () => {
  it('fails the request with WorkerDownError, frees it, and the restarted worker serves the next', async () => {
    await boot({ schedulers: [1] });
    const cluster = node.cluster as unknown as { terminate(k: number): Promise<void> };
    const x = input(7, { batch: 1, heads: 4, queries: TILE_ROWS * 24, d: 64 });
    // A window past the request's 24 chunks: the worker always has tiles in hand until the end.
    const stream = attention.stream(x, { highWaterMark: 64 });
    await stream.next();
    await cluster.terminate(1);
    let error: unknown;
    try {
      for await (const _ of stream);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkerDownError);
    expect((error as WorkerDownError).scheduler).toBe(1);
    await eventually(async () => (await attention.stats()).requests.running === 0);
    expect((await attention.stats()).memory.live).toBe((await attention.stats()).scratchBytes);
    await eventually(
      async () =>
        (await attention.stats()).workers[0]!.running === 0 && (await attention.stats()).requests.failed === 1,
    );
    const small = input(8, { batch: 1, heads: 2, queries: 100, d: 64 });
    expect(maxAbsDiff(await attention.compute(small), local.compute(small))).toBe(0);
  });

  it('runs the lost tiles again when the request allows retries', async () => {
    await boot({ schedulers: [1, 2] });
    const cluster = node.cluster as unknown as { terminate(k: number): Promise<void> };
    const x = input(9, { batch: 1, heads: 4, queries: TILE_ROWS * 24, d: 64 });
    const stream = attention.stream(x, { retries: 2, highWaterMark: 64 });
    const first = await stream.next();
    await cluster.terminate(1);
    const rest: RowChunk[] = [first.value as RowChunk];
    for await (const chunk of stream) rest.push(chunk);
    const full = local.compute(x);
    for (const chunk of rest) {
      for (let h = 0; h < 4; h++) {
        const expected = full.subarray(
          (h * x.shape.queries + chunk.rowStart) * 64,
          (h * x.shape.queries + chunk.rowStart + chunk.rows) * 64,
        );
        expect(maxAbsDiff(chunk.data.subarray(h * chunk.rows * 64, (h + 1) * chunk.rows * 64), expected)).toBe(0);
      }
    }
    expect(rest).toHaveLength(24);
    expect((await stream.summary).retriedTasks).toBeGreaterThan(0);
    expect((await attention.stats()).requests).toMatchObject({ completed: 1, failed: 0 });
  });
});

describe('decoding over the pool', () => {
  beforeEach(() => boot());

  it('gives each step what the engine gives on one thread, and an aborted step leaves the cache as it was', async () => {
    const d = 64;
    const decoder = await attention.decoder({ batch: 1, heads: 4, kvHeads: 2, d, capacity: 300 });
    const cache = local.createCache({ batch: 1, heads: 4, kvHeads: 2, d, capacity: 300 });
    const random = rng(10);
    const step = (t: number) => ({
      q: randomTensor(4 * t * d, random),
      k: randomTensor(2 * t * d, random),
      v: randomTensor(2 * t * d, random),
    });
    for (const t of [100, 1, 1, 7, 1]) {
      const s = step(t);
      expect(maxAbsDiff(await decoder.step(s), local.decode(cache, s))).toBe(0);
    }
    expect(decoder.length).toBe(110);
    const controller = new AbortController();
    controller.abort();
    await expect(decoder.step(step(1), { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(decoder.length).toBe(110);
    const s = step(1);
    expect(maxAbsDiff(await decoder.step(s), local.decode(cache, s))).toBe(0);
    await decoder.close();
    cache.close();
  });
});
