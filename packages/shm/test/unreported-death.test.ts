/**
 * A lock holder that died unreported: nobody called markDead (no watch(), or
 * the thread waiting for the lock is the one whose event loop would run the
 * 'exit' listener). A waiter past its recovery bound asks the operating system
 * whether the holder's thread still exists (Linux: /proc/self/task/<tid>), and
 * steals the lock once it does not. Each test calls terminate() and then waits
 * without yielding, so no 'exit' listener could have helped.
 */
import { Mutex, RingBuffer, RwLock, ThreadRegistry, currentThreadId } from '@erlmcp/shm';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(stopAllWorkers);

const onLinux = process.platform === 'linux' ? describe : describe.skip;

/** Sleeps this thread for `ms` without yielding to the event loop. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

onLinux('a holder that died unreported', () => {
  it('Mutex: lockSpin on the main thread steals it', async () => {
    const registry = ThreadRegistry.create();
    const m = Mutex.create({ registry });
    const holder = startWorker('lock-holder', { kind: 'mutex', handle: m.handle() });
    await holder.next(ofType('locked'));
    void holder.worker.terminate();
    m.lockSpin(5000);
    expect(m.ownerThreadId).toBe(currentThreadId);
    expect(m.inconsistent).toBe(true);
    expect(m.recoveries).toBe(1);
    expect(registry.status(holder.threadId)).toBe('dead');
    expect(registry.deaths).toBe(1);
    m.markConsistent();
    m.unlock();
  });

  it('RwLock: a writer and a reader that died holding it are cleared', async () => {
    const registry = ThreadRegistry.create();
    const lock = RwLock.create({ registry });
    const writer = startWorker('lock-holder', { kind: 'rwlock-write', handle: lock.handle() });
    await writer.next(ofType('locked'));
    void writer.worker.terminate();
    lock.writeLockSpin(5000);
    expect(lock.inconsistent).toBe(true);
    lock.markConsistent();
    lock.writeUnlock();
    const reader = startWorker('lock-holder', { kind: 'rwlock-read', handle: lock.handle() });
    await reader.next(ofType('locked'));
    expect(lock.readers).toBe(1);
    void reader.worker.terminate();
    lock.writeLockSpin(5000);
    expect(lock.readers).toBe(0);
    expect(lock.recoveries).toBe(2);
    lock.writeUnlock();
  });

  it('RingBuffer: the frame a dead producer reserved is skipped', async () => {
    const registry = ThreadRegistry.create();
    const ring = RingBuffer.create({ capacity: 4096, registry });
    const producer = startWorker('lock-holder', { kind: 'ring-reserve', handle: ring.handle() });
    await producer.next(ofType('locked'));
    void producer.worker.terminate();
    expect(ring.tryWrite(new Uint8Array([7]))).toBe(true);
    let frame: Uint8Array | null = null;
    for (let i = 0; i < 5000 && frame === null; i++) {
      frame = ring.read();
      if (frame === null) block(1);
    }
    expect(frame).toEqual(new Uint8Array([7]));
    expect(ring.stats().abandonedFrames).toBe(1);
  });

  it('reap() records a thread dead once its OS thread is gone, never a live one', async () => {
    const registry = ThreadRegistry.create();
    const m = Mutex.create({ registry });
    const holder = startWorker('lock-holder', { kind: 'mutex', handle: m.handle() });
    await holder.next(ofType('locked'));
    expect(registry.reap(holder.threadId)).toBe(false); // alive
    expect(registry.status(holder.threadId)).toBe('unknown'); // building a lock records the OS id, not a registration
    expect(registry.threads().some((t) => t.threadId === holder.threadId)).toBe(false);
    expect(registry.reap(123_456)).toBe(false); // a thread nothing is known of
    void holder.worker.terminate();
    let reaped = false;
    for (let i = 0; i < 5000 && !reaped; i++) {
      reaped = registry.reap(holder.threadId);
      if (!reaped) block(1);
    }
    expect(reaped).toBe(true);
    expect(registry.status(holder.threadId)).toBe('dead');
    expect(m.tryRecover()).toBe(true);
    m.markConsistent();
    m.unlock();
  });

  it('a full registry takes over the record of a thread that died unreported', async () => {
    const registry = ThreadRegistry.create({ capacity: 2 });
    registry.register(); // the main thread: slot 1 of 2
    const holder = startWorker('lock-holder', { kind: 'mutex', handle: Mutex.create({ registry }).handle() });
    await holder.next(ofType('locked')); // slot 2 of 2, its OS thread id recorded
    await holder.worker.terminate(); // not watched: nothing recorded its death
    expect(registry.status(holder.threadId)).not.toBe('dead');
    registry.register(99_999);
    expect(registry.status(99_999)).toBe('alive');
    expect(registry.status(holder.threadId)).toBe('dead');
  });
});
