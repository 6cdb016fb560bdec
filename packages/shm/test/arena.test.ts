import fc from 'fast-check';
import { Arena, ArenaCorruptedError, InvalidFreeError, OutOfMemoryError, ThreadRegistry } from '@erlmcp/shm';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(stopAllWorkers);

/** Bytes a request occupies in the heap (header included), per the documented size classes. */
function blockBytes(size: number): number {
  if (size > 32 * 1024) return Math.ceil((size + 8) / 1024) * 1024;
  let payload = 16;
  while (payload < size) payload *= 2;
  return payload + 8;
}

function expectBalanced(a: Arena): void {
  const s = a.stats();
  expect(s.liveBytes + s.freeBytes + s.metadataBytes).toBe(s.capacity);
  a.check();
}

describe('Arena (single thread)', () => {
  it('serves small requests from power-of-two classes and reuses freed blocks', () => {
    const a = Arena.create({ maxBytes: 1 << 20 });
    const x = a.alloc(1);
    const y = a.alloc(17);
    expect(x % 8).toBe(0);
    expect(a.usableSize(x)).toBe(16);
    expect(a.usableSize(y)).toBe(32);
    a.free(x);
    expect(a.alloc(10)).toBe(x); // same class: the freed block comes back
    expect(a.alloc(0)).not.toBe(x);
    expectBalanced(a);
  });

  it('coalesces neighbouring large blocks and returns a free tail to the bump area', () => {
    const a = Arena.create({ maxBytes: 4 << 20 });
    const blocks = [a.alloc(50_000), a.alloc(50_000), a.alloc(50_000)];
    const guard = a.alloc(64);
    a.free(blocks[0]!);
    a.free(blocks[2]!);
    a.free(blocks[1]!); // merges with both neighbours
    expectBalanced(a);
    expect(a.stats().freeListBytes).toBe(3 * 50_176);
    const big = a.alloc(150_000); // fits only in the merged hole
    expect(big).toBe(blocks[0]);
    a.free(big);
    a.free(guard);
    const listed = a.stats().freeListBytes;
    const tail = a.alloc(200_000); // larger than the hole: carved at the top
    a.free(tail); // goes back to the bump area, not to a list
    expect(a.stats().freeListBytes).toBe(listed);
    expect(a.stats().liveBlocks).toBe(0);
    expect(a.alloc(200_000)).toBe(tail);
    expectBalanced(a);
  });

  it('detects double frees and stray offsets', () => {
    const a = Arena.create({ maxBytes: 1 << 20 });
    const x = a.alloc(40);
    a.free(x);
    expect(() => a.free(x)).toThrow(InvalidFreeError);
    expect(() => a.free(x + 4)).toThrow(InvalidFreeError);
    expect(() => a.free(1 << 19)).toThrow(InvalidFreeError);
  });

  it('grows up to maxBytes, then throws OutOfMemoryError leaving allocations intact', () => {
    const a = Arena.create({ initialBytes: 4096, maxBytes: 256 * 1024 });
    const words = new Int32Array(a.buffer);
    const held: number[] = [];
    let oom: unknown;
    for (let i = 0; i < 1000 && !oom; i++) {
      try {
        const off = a.alloc(5000);
        words.fill(i, off / 4, (off + 5000) / 4);
        held.push(off);
      } catch (err) {
        oom = err;
      }
    }
    expect(oom).toBeInstanceOf(OutOfMemoryError);
    const s = a.stats();
    expect(s.capacity).toBe(256 * 1024);
    expect(s.grows).toBeGreaterThan(0);
    expect(s.failedAllocations).toBe(1);
    held.forEach((off, i) => expect(words.subarray(off / 4, (off + 5000) / 4).every((v) => v === i)).toBe(true));
    expect(a.tryAlloc(5000)).toBeNull();
    expect(() => a.alloc(10 << 20)).toThrow(OutOfMemoryError);
    expectBalanced(a);
    // Freeing makes room again.
    a.free(held.pop()!);
    expect(a.alloc(5000)).toBeGreaterThan(0);
  });

  it('small requests fall back to splitting free large blocks when the heap is at its limit', () => {
    const a = Arena.create({ maxBytes: 200 * 1024 });
    const big = a.alloc(150_000);
    while (a.tryAlloc(16) !== null);
    a.free(big);
    const small = a.alloc(100);
    expect(small).toBeGreaterThan(big);
    expect(small).toBeLessThan(big + 150_528); // 150 000 + header, rounded up to 1 KiB
    expectBalanced(a);
  });

  it('attach() shares the heap and validates its input', () => {
    const a = Arena.create({ maxBytes: 1 << 20 });
    const b = Arena.attach(a.handle());
    const x = b.alloc(64);
    expect(a.usableSize(x)).toBe(64);
    a.free(x);
    expect(() => b.free(x)).toThrow(InvalidFreeError);
    expect(() => Arena.attach({ kind: 'arena', buffer: new SharedArrayBuffer(256), recoverAfterMs: 10 })).toThrow(
      /does not hold an arena/,
    );
  });

  it('tryAllocInto records the block in a word; freeFrom frees it through that word, once', () => {
    const a = Arena.create({ maxBytes: 256 * 1024 });
    const words = new Int32Array(new SharedArrayBuffer(16));
    const x = a.tryAllocInto(100, words, 1)!;
    expect(words[1]).toBe(x);
    expect(a.usableSize(x)).toBe(128);
    const y = a.tryAllocInto(40_000, words, 2)!;
    expect(words[2]).toBe(y);
    words[3] = -7;
    expect(a.tryAllocInto(1 << 20, words, 3)).toBeNull(); // full: the word is left alone
    expect(words[3]).toBe(-7);
    a.freeFrom(words, 1); // next defaults to 0
    expect(words[1]).toBe(0);
    expect(() => a.freeFrom(words, 1)).toThrow(InvalidFreeError); // the word no longer names a block
    a.freeFrom(words, 2, 12345);
    expect(words[2]).toBe(12345);
    expect(a.stats().liveBlocks).toBe(0);
    expect(() => a.tryAllocInto(16, words, 4)).toThrow(/outside the view/);
    expect(() => a.freeFrom(new Int32Array(4), 0)).toThrow(/shared memory/);
    expectBalanced(a);
  });

  it('check() reports heap damage', () => {
    const a = Arena.create({ maxBytes: 1 << 20 });
    const x = a.alloc(16);
    new Int32Array(a.buffer)[(x - 8) / 4] = 12345; // clobber the block header
    expect(() => a.check()).toThrow(ArenaCorruptedError);
  });
});

describe('Arena properties', () => {
  const sizeArb = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 64 }), weight: 5 },
    { arbitrary: fc.integer({ min: 65, max: 33_000 }), weight: 3 },
    { arbitrary: fc.integer({ min: 33_000, max: 150_000 }), weight: 2 },
  );
  const opArb = fc.oneof(
    sizeArb.map((size) => ({ kind: 'alloc' as const, size })),
    fc.nat().map((pick) => ({ kind: 'free' as const, pick })),
  );

  it('random alloc/free sequences never overlap live blocks, keep contents, and stats add up', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => {
        const a = Arena.create({ initialBytes: 4096, maxBytes: 1 << 20 });
        const bytes = new Uint8Array(a.buffer);
        const live = new Map<number, { size: number; fill: number }>();
        let n = 0;
        for (const op of ops) {
          if (op.kind === 'alloc') {
            const off = a.tryAlloc(op.size);
            if (off === null) {
              // Out of memory is only legitimate if the untouched tail plus the room left to grow is too small.
              const st = a.stats();
              expect(st.maxBytes - st.capacity + (st.freeBytes - st.freeListBytes)).toBeLessThan(blockBytes(op.size));
              continue;
            }
            expect(live.has(off)).toBe(false);
            const fill = ++n & 0xff;
            bytes.fill(fill, off, off + op.size);
            live.set(off, { size: op.size, fill });
          } else if (live.size > 0) {
            const keys = [...live.keys()];
            const off = keys[op.pick % keys.length]!;
            const b = live.get(off)!;
            expect(bytes.subarray(off, off + b.size).every((v) => v === b.fill)).toBe(true);
            a.free(off);
            live.delete(off);
          }
        }
        // No two live blocks overlap, and each fits in the buffer.
        const spans = [...live.keys()]
          .map((off) => [off, off + a.usableSize(off)] as const)
          .sort((x, y) => x[0] - y[0]);
        for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
        for (const [, end] of spans) expect(end).toBeLessThanOrEqual(a.stats().capacity);
        for (const [off, b] of live) expect(bytes.subarray(off, off + b.size).every((v) => v === b.fill)).toBe(true);
        const s = a.stats();
        expect(s.liveBlocks).toBe(live.size);
        expect(s.liveBytes).toBe(spans.reduce((sum, [o, e]) => sum + (e - o) + 8, 0));
        expect(s.liveBytes + s.freeBytes + s.metadataBytes).toBe(s.capacity);
        a.check();
      }),
      { numRuns: 150 },
    );
  });
});

describe('Arena (workers)', () => {
  it('concurrent alloc/free from several workers never hands out overlapping blocks', async () => {
    const a = Arena.create({ initialBytes: 64 * 1024, maxBytes: 32 << 20 });
    const parties = 3;
    const start = new SharedArrayBuffer(4);
    const ws = Array.from({ length: parties }, (_, id) =>
      startWorker('arena-user', { handle: a.handle(), id: id + 1, iterations: 4000, seed: 1234 + id, start, parties }),
    );
    // The main thread allocates and frees at the same time.
    const mine: number[] = [];
    for (let i = 0; i < 300; i++) {
      mine.push(a.alloc(24));
      if (i % 3 === 0) a.free(mine.shift()!);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all(
      ws.map((w) => w.next<{ corrupt: number; ooms: number; live: [number, number][] }>(ofType('done'))),
    );
    expect(results.map((r) => r.corrupt)).toEqual([0, 0, 0]);
    expect(results.map((r) => r.ooms)).toEqual([0, 0, 0]);
    const spans = results
      .flatMap((r) => r.live)
      .concat(mine.map((o) => [o, 24]))
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![0] + spans[i - 1]![1]);
    expect(a.stats().liveBlocks).toBe(spans.length);
    expect(a.stats().grows).toBeGreaterThan(0);
    expectBalanced(a);
  });

  it('recovers its lock from a worker that died holding it and rebuilds the heap metadata', async () => {
    const registry = ThreadRegistry.create();
    const a = Arena.create({ maxBytes: 4 << 20, registry });
    const holder = startWorker('lock-holder', { kind: 'arena', handle: a.handle() });
    registry.watch(holder.worker);
    const { kept, half } = await holder.next<{ kept: number; half: number }>(ofType('allocated'));
    await holder.next(ofType('locked'));
    await holder.worker.terminate();
    const x = a.alloc(100); // spins until the dead owner's lock is stolen, then repairs
    expect(a.lock.recoveries).toBe(1);
    expect(a.lock.inconsistent).toBe(false);
    const s = a.stats();
    expect(s.repairs).toBe(1);
    expect(x).toBe(half); // the half-freed block was put back on its free list
    expect(s.liveBlocks).toBe(2);
    expect(a.usableSize(kept)).toBe(128);
    expectBalanced(a);
  });
});

describe('fragmentation', () => {
  it('counts free extents and the largest one, the tail included', () => {
    const arena = Arena.create({ maxBytes: 1 << 20, initialBytes: 64 * 1024 });
    const before = arena.fragmentation();
    expect(before.freeExtents).toBe(1);
    expect(before.largestFreeBlock).toBe(before.tailBytes - 8);
    const small = Array.from({ length: 10 }, () => arena.alloc(100));
    const large = [arena.alloc(40_000), arena.alloc(40_000), arena.alloc(40_000)];
    for (let i = 0; i < small.length; i += 2) arena.free(small[i]!);
    arena.free(large[1]!);
    const after = arena.fragmentation();
    // Five small blocks, one large block, the tail.
    expect(after.freeExtents).toBe(after.tailBytes > 8 ? 7 : 6);
    expect(after.largestFreeBlock).toBeGreaterThanOrEqual(40_000);
    expect(after.freeListBytes).toBe(arena.stats().freeListBytes);
    arena.check();
  });
});
