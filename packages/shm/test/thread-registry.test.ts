import { Mutex, ThreadRegistry, currentThreadId, LayoutError } from '@erlmcp/shm';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(stopAllWorkers);

describe('ThreadRegistry', () => {
  it('registers the calling thread and lists it alive', () => {
    const reg = ThreadRegistry.create({ capacity: 8 });
    expect(reg.status(currentThreadId)).toBe('unknown');
    reg.register();
    expect(reg.status(currentThreadId)).toBe('alive');
    const [info] = reg.threads();
    expect(info).toMatchObject({ threadId: currentThreadId, status: 'alive', beats: 0 });
  });

  it('counts heartbeats and reports silent threads without acting on them', () => {
    const reg = ThreadRegistry.create({ capacity: 8 });
    reg.heartbeat();
    reg.heartbeat();
    expect(reg.threads()[0]!.beats).toBe(2);
    expect(reg.staleThreads(60_000)).toEqual([]);
    expect(reg.staleThreads(-1)).toEqual([currentThreadId]);
    expect(reg.status(currentThreadId)).toBe('alive');
  });

  it('markDead records threads that never registered, once', () => {
    const reg = ThreadRegistry.create({ capacity: 8 });
    reg.markDead(41);
    reg.markDead(41);
    expect(reg.status(41)).toBe('dead');
    expect(reg.isOwnerDead(42)).toBe(true); // lock words hold threadId + 1
    expect(reg.deaths).toBe(1);
    reg.register(41); // a dead thread is never resurrected
    expect(reg.status(41)).toBe('dead');
  });

  it('reuses the oldest dead slot when full and throws when all are alive', () => {
    const reg = ThreadRegistry.create({ capacity: 2 });
    reg.register(10);
    reg.markDead(5);
    reg.register(11);
    // 5's record went to 11; its death is still known.
    expect(reg.threads().map((t) => t.threadId)).toEqual([10, 11]);
    expect(reg.status(5)).toBe('dead');
    expect(reg.status(11)).toBe('alive');
    expect(() => reg.register(12)).toThrow(expect.objectContaining({ code: 'ERR_SHM_REGISTRY_FULL' }));
  });

  it('a thread that died holding a lock stays dead after its record is reused: the lock can still be recovered', async () => {
    const reg = ThreadRegistry.create({ capacity: 2 });
    const m = Mutex.create({ registry: reg });
    const holder = startWorker('lock-holder', { kind: 'mutex', handle: m.handle(), registry: reg.handle() });
    reg.watch(holder.worker);
    await holder.next(ofType('locked'));
    await holder.worker.terminate();
    // Threads that come and go afterwards fill the table, and the holder's record is the oldest dead one.
    for (let i = 0; i < 3; i++) {
      const w = startWorker('register', { registry: reg.handle() });
      reg.watch(w.worker);
      await w.next(ofType('registered'));
      await w.worker.terminate();
    }
    expect(reg.threads().some((t) => t.threadId === holder.threadId)).toBe(false);
    expect(reg.status(holder.threadId)).toBe('dead');
    expect(m.tryRecover()).toBe(true);
    expect(m.inconsistent).toBe(true);
    m.markConsistent();
    m.unlock();
  });

  it('rejects a buffer that is not a registry', () => {
    expect(() => ThreadRegistry.attach({ kind: 'thread-registry', buffer: new SharedArrayBuffer(64) })).toThrow(
      LayoutError,
    );
  });

  it('watch() marks a worker dead when it exits, and the worker writes to the same table', async () => {
    const reg = ThreadRegistry.create();
    const w = startWorker('register', { registry: reg.handle() });
    reg.watch(w.worker);
    const { threadId } = await w.next<{ threadId: number }>(ofType('registered'));
    expect(threadId).toBe(w.threadId);
    expect(reg.status(w.threadId)).toBe('alive');
    expect(reg.threads().find((t) => t.threadId === w.threadId)?.beats).toBe(2);
    await w.worker.terminate();
    expect(reg.status(w.threadId)).toBe('dead');
  });
});
