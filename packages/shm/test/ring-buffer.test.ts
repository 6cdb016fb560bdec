import fc from 'fast-check';
import { FrameTooLargeError, MainThreadBlockingError, RingBuffer, ThreadRegistry, WaitTimeoutError } from '@erlmcp/shm';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(stopAllWorkers);

// Mirrors test/workers/ring-producer.js and ring-check.js.
function makeFrame(producerId: number, seq: number): Uint8Array {
  const len = 8 + ((seq * 7 + producerId * 13) % 181);
  const frame = new Uint8Array(len);
  const dv = new DataView(frame.buffer);
  dv.setUint32(0, producerId, true);
  dv.setUint32(4, seq, true);
  for (let i = 8; i < len; i++) frame[i] = (seq + i * producerId) & 0xff;
  return frame;
}

class FrameChecker {
  readonly next = new Map<number, number>();
  readonly errors: string[] = [];
  received = 0;

  check(frame: Uint8Array): void {
    const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const producerId = dv.getUint32(0, true);
    const seq = dv.getUint32(4, true);
    const expected = this.next.get(producerId) ?? 0;
    if (seq !== expected) this.errors.push(`producer ${producerId}: got seq ${seq}, expected ${expected}`);
    this.next.set(producerId, seq + 1);
    const ref = makeFrame(producerId, seq);
    if (frame.length !== ref.length || !frame.every((b, i) => b === ref[i]))
      this.errors.push(`producer ${producerId} seq ${seq}: payload differs`);
    this.received++;
  }
}

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('RingBuffer (single thread)', () => {
  it('writes and reads frames in order, returns null when empty', () => {
    const ring = RingBuffer.create({ capacity: 256 });
    expect(ring.read()).toBeNull();
    expect(ring.tryWrite(bytes(1, 2, 3))).toBe(true);
    expect(ring.tryWrite(new Uint8Array(0))).toBe(true);
    expect(ring.tryWrite(bytes(9))).toBe(true);
    expect(ring.read()).toEqual(bytes(1, 2, 3));
    expect(ring.readBatch()).toEqual([new Uint8Array(0), bytes(9)]);
    expect(ring.readBatch()).toEqual([]);
    expect(ring.stats()).toMatchObject({ capacity: 256, usedBytes: 0, framesWritten: 3, framesRead: 3 });
  });

  it('rejects writes to a full ring without losing or reordering anything', () => {
    const ring = RingBuffer.create({ capacity: 64 }); // each 8-byte frame takes 16 bytes
    for (let i = 0; i < 4; i++) expect(ring.tryWrite(new Uint8Array(8).fill(i))).toBe(true);
    expect(ring.tryWrite(bytes(99))).toBe(false);
    expect(ring.stats().fullRejections).toBe(1);
    expect(ring.read()).toEqual(new Uint8Array(8).fill(0));
    expect(ring.tryWrite(new Uint8Array(8).fill(4))).toBe(true);
    expect(ring.readBatch().map((f) => f[0])).toEqual([1, 2, 3, 4]);
  });

  it('frames wrap around the end of the ring intact', () => {
    const ring = RingBuffer.create({ capacity: 128 });
    for (let round = 0; round < 50; round++) {
      const frame = Uint8Array.from({ length: 37 + (round % 40) }, (_, i) => (i * 31 + round) & 0xff);
      expect(ring.tryWrite(frame)).toBe(true);
      expect(ring.read()).toEqual(frame);
    }
  });

  it('throws FrameTooLargeError for frames that could never fit', () => {
    const ring = RingBuffer.create({ capacity: 100 });
    expect(ring.capacity).toBe(128);
    expect(ring.maxFrameLength).toBe(120);
    expect(ring.tryWrite(new Uint8Array(120))).toBe(true);
    expect(() => ring.tryWrite(new Uint8Array(121))).toThrow(FrameTooLargeError);
  });

  it('blocking calls refuse the main thread; async ones time out', async () => {
    const ring = RingBuffer.create({ capacity: 64 });
    expect(() => ring.waitForData(1)).toThrow(MainThreadBlockingError);
    await expect(ring.waitForDataAsync(20)).resolves.toBe(false);
    while (ring.tryWrite(new Uint8Array(8)));
    expect(() => ring.write(new Uint8Array(8))).toThrow(MainThreadBlockingError);
    await expect(ring.writeAsync(new Uint8Array(8), 20)).rejects.toThrow(WaitTimeoutError);
    await expect(ring.waitForDataAsync(20)).resolves.toBe(true);
  });

  it('model check: frames in == frames out, in order; tryWrite fails exactly when the bytes do not fit', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), producer: fc.nat(3), len: fc.nat(100) }),
      fc.record({ kind: fc.constant('read' as const), max: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.constantFrom(64, 128, 256), (ops, capacity) => {
        const ring = RingBuffer.create({ capacity });
        const model: Uint8Array[] = [];
        let used = 0;
        const seqs = [0, 0, 0, 0];
        const footprint = (len: number) => 8 + Math.ceil(len / 8) * 8;
        for (const o of ops) {
          if (o.kind === 'write') {
            if (o.len > ring.maxFrameLength) continue;
            const frame = Uint8Array.from(
              { length: o.len },
              (_, i) => (o.producer * 64 + seqs[o.producer]! + i) & 0xff,
            );
            const ok = ring.tryWrite(frame);
            expect(ok).toBe(used + footprint(o.len) <= capacity);
            if (ok) {
              model.push(frame);
              used += footprint(o.len);
              seqs[o.producer]!++;
            }
          } else {
            const got = ring.readBatch(o.max);
            const want = model.splice(0, o.max);
            expect(got).toEqual(want);
            used -= want.reduce((s, f) => s + footprint(f.length), 0);
          }
          expect(ring.stats().usedBytes).toBe(used);
        }
        expect(ring.readBatch()).toEqual(model);
      }),
      { numRuns: 200 },
    );
  });
});

describe('RingBuffer (workers)', () => {
  it('3 blocking producer workers, main-thread async consumer: every frame exactly once, in per-producer order', async () => {
    const ring = RingBuffer.create({ capacity: 4096 }); // small: producers really hit a full ring
    const producers = 3;
    const count = 3000;
    const start = new SharedArrayBuffer(4);
    const ws = Array.from({ length: producers }, (_, i) =>
      startWorker('ring-producer', {
        handle: ring.handle(),
        producerId: i + 1,
        count,
        mode: 'blocking',
        start,
        parties: producers,
      }),
    );
    const checker = new FrameChecker();
    while (checker.received < producers * count) {
      expect(await ring.waitForDataAsync(30_000)).toBe(true);
      for (const frame of ring.readBatch(100)) checker.check(frame);
    }
    await Promise.all(ws.map((w) => w.next(ofType('done'))));
    expect(checker.errors).toEqual([]);
    expect([...checker.next.entries()].sort()).toEqual([
      [1, count],
      [2, count],
      [3, count],
    ]);
    expect(ring.read()).toBeNull();
    expect(ring.stats()).toMatchObject({
      usedBytes: 0,
      framesWritten: producers * count,
      framesRead: producers * count,
    });
  });

  it('tryWrite producers and a main-thread writeAsync producer, blocking worker consumer', async () => {
    const ring = RingBuffer.create({ capacity: 2048 });
    const count = 2000;
    const consumer = startWorker('ring-consumer', { handle: ring.handle(), total: 3 * count });
    const ws = [1, 2].map((producerId) =>
      startWorker('ring-producer', { handle: ring.handle(), producerId, count, mode: 'try' }),
    );
    for (let seq = 0; seq < count; seq++) await ring.writeAsync(makeFrame(3, seq), 30_000);
    await Promise.all(ws.map((w) => w.next(ofType('done'))));
    const result = await consumer.next<{ received: number; errors: string[]; extra: boolean }>(ofType('done'));
    expect(result).toEqual({ type: 'done', received: 3 * count, errors: [], extra: false });
  });

  it('skips a frame whose producer died before committing it', async () => {
    const registry = ThreadRegistry.create();
    const ring = RingBuffer.create({ capacity: 1024, registry, recoverAfterMs: 10 });
    const dying = startWorker('lock-holder', { kind: 'ring-reserve', handle: ring.handle() });
    registry.watch(dying.worker);
    await dying.next(ofType('locked'));
    expect(ring.tryWrite(bytes(7, 7, 7))).toBe(true);
    // The uncommitted frame is ahead of ours: nothing is readable yet, and no skip while the producer lives.
    expect(ring.read()).toBeNull();
    await expect(ring.waitForDataAsync(40)).resolves.toBe(false);
    const ready = ring.waitForDataAsync(30_000);
    await dying.worker.terminate();
    const ok = await ready;
    expect(ok).toBe(true);
    expect(ring.read()).toEqual(bytes(7, 7, 7));
    expect(ring.stats()).toMatchObject({ abandonedFrames: 1, usedBytes: 0 });
  });
});
