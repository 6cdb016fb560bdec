import {
  DeadlockError,
  MainThreadBlockingError,
  NotOwnerError,
  RwLock,
  ThreadRegistry,
  WaitTimeoutError,
  currentThreadId,
} from '@erlmcp/shm';
import { ofType, startWorker, stopAllWorkers, wallNow } from './helpers';

afterEach(stopAllWorkers);

describe('RwLock (single thread)', () => {
  it('allows many readers or one writer', () => {
    const l = RwLock.create({ maxReaders: 4 });
    expect(l.tryReadLock()).toBe(true);
    expect(l.tryReadLock()).toBe(true);
    expect(l.readers).toBe(2);
    expect(l.tryWriteLock()).toBe(false);
    expect(l.writerThreadId).toBeNull(); // a failed tryWriteLock leaves no trace
    l.readUnlock();
    l.readUnlock();
    expect(() => l.readUnlock()).toThrow(NotOwnerError);
    expect(l.tryWriteLock()).toBe(true);
    expect(l.writerThreadId).toBe(currentThreadId);
    expect(l.tryReadLock()).toBe(false);
    expect(() => l.readLockSpin(20)).toThrow(DeadlockError);
    l.writeUnlock();
    expect(() => l.writeUnlock()).toThrow(NotOwnerError);
  });

  it('bounds concurrent read holds by maxReaders', () => {
    const l = RwLock.create({ maxReaders: 2 });
    expect(l.tryReadLock()).toBe(true);
    expect(l.tryReadLock()).toBe(true);
    expect(l.tryReadLock()).toBe(false);
    l.readUnlock();
    expect(l.tryReadLock()).toBe(true);
  });

  it('refuses blocking acquisition on the main thread', () => {
    const l = RwLock.create();
    l.tryWriteLock();
    expect(() => l.readLock()).toThrow(MainThreadBlockingError);
    expect(() => l.writeLock()).toThrow(MainThreadBlockingError);
    l.writeUnlock();
  });

  it('async writers wait for async readers and time out cleanly', async () => {
    const l = RwLock.create();
    await l.readLockAsync();
    const events: string[] = [];
    const writer = l.withWriteLockAsync(() => events.push('write'));
    await expect(l.writeLockAsync(20)).rejects.toThrow(WaitTimeoutError);
    events.push('read-done');
    l.readUnlock();
    await writer;
    expect(events).toEqual(['read-done', 'write']);
    // The timed-out writer released its claim: readers get in.
    expect(l.tryReadLock()).toBe(true);
    l.readUnlock();
  });

  it('a thread already reading can read again while a writer is pending (no self-deadlock)', async () => {
    const l = RwLock.create();
    await l.readLockAsync();
    const writer = l.writeLockAsync(5000);
    await new Promise((r) => setTimeout(r, 10));
    expect(l.writerThreadId).toBe(currentThreadId); // pending, draining readers
    await l.readLockAsync(1000);
    expect(l.readers).toBe(2);
    l.readUnlock();
    l.readUnlock();
    await writer;
    l.writeUnlock();
  });

  it('attach() sees the same lock', () => {
    const a = RwLock.create({ maxReaders: 8 });
    const b = RwLock.attach(a.handle());
    expect(b.maxReaders).toBe(8);
    a.tryReadLock();
    expect(b.readers).toBe(1);
    expect(b.tryWriteLock()).toBe(false);
    a.readUnlock();
  });
});

describe('RwLock (workers)', () => {
  it('readers never see a torn multi-word record', async () => {
    const l = RwLock.create();
    const data = new SharedArrayBuffer(16 * 4);
    const roles = ['writer', 'writer', 'reader', 'reader'];
    const start = new SharedArrayBuffer(4);
    const ws = roles.map((role) =>
      startWorker('rwlock-torn', { handle: l.handle(), data, role, iterations: 5000, start, parties: roles.length }),
    );
    // The main thread reads too, through the async path.
    let mainTorn = 0;
    const words = new Int32Array(data);
    for (let i = 0; i < 200; i++) {
      await l.withReadLockAsync(() => {
        for (let k = 1; k < words.length; k++) if (words[k] !== words[0]) mainTorn++;
      });
    }
    const results = await Promise.all(ws.map((w) => w.next<{ torn: number; reads: number }>(ofType('done'))));
    expect(results.reduce((s, r) => s + r.torn, 0) + mainTorn).toBe(0);
    expect(words[0]).toBe(2 * 5000);
    expect(Array.from(words).every((v) => v === words[0])).toBe(true);
    expect(l.readers).toBe(0);
    expect(l.writerThreadId).toBeNull();
  });
});

describe('RwLock recovery from dead owners', () => {
  it('a writer that died mid-write is cleared by a reader and flagged inconsistent', async () => {
    const registry = ThreadRegistry.create();
    const l = RwLock.create({ registry });
    const record = new SharedArrayBuffer(8 * 4);
    const holder = startWorker('lock-holder', {
      kind: 'rwlock-write',
      handle: l.handle(),
      writeWords: { buffer: record },
    });
    registry.watch(holder.worker);
    await holder.next(ofType('locked'));
    const reading = l.readLockAsync(30_000).then(() => wallNow());
    await holder.worker.terminate();
    await reading;
    expect(l.inconsistent).toBe(true);
    expect(l.recoveries).toBe(1);
    l.readUnlock();
    // Repair under the write lock, then clear the flag.
    await l.withWriteLockAsync(() => {
      new Int32Array(record).fill(0);
      l.markConsistent();
    });
    expect(l.inconsistent).toBe(false);
  });

  it('a writer recovers read holds of a dead reader without flagging the data', async () => {
    const registry = ThreadRegistry.create();
    const l = RwLock.create({ registry });
    const holder = startWorker('lock-holder', { kind: 'rwlock-read', handle: l.handle() });
    registry.watch(holder.worker);
    await holder.next(ofType('locked'));
    expect(l.readers).toBe(1);
    const writing = l.writeLockAsync(30_000).then(() => wallNow());
    await holder.worker.terminate();
    await writing;
    expect(l.recoveries).toBe(1);
    expect(l.inconsistent).toBe(false);
    expect(l.readers).toBe(0);
    l.writeUnlock();
  });
});
