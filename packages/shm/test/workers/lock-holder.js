'use strict';
// Takes a lock (or a read hold), reports it, then idles until terminated:
// the "thread that died holding a lock" of the recovery tests.
const { run, hang, post, onMessage } = require('./common');

run(({ kind, handle, registry, writeWords }, shm) => {
  if (registry) shm.ThreadRegistry.attach(registry).register();
  if (kind === 'mutex') {
    const mutex = shm.Mutex.attach(handle);
    mutex.lock();
    onMessage((m) => {
      if (m.type !== 'release') return;
      mutex.unlock();
      post({ type: 'released' });
    });
  } else if (kind === 'rwlock-write') {
    const lock = shm.RwLock.attach(handle);
    lock.writeLock();
    if (writeWords) {
      // Die mid-update: only half of the record is rewritten.
      const data = new Int32Array(writeWords.buffer);
      for (let i = 0; i < data.length / 2; i++) Atomics.store(data, i, 999);
    }
  } else if (kind === 'rwlock-read') {
    shm.RwLock.attach(handle).readLock();
  } else if (kind === 'arena') {
    const arena = shm.Arena.attach(handle);
    const kept = arena.alloc(100);
    const gone = arena.alloc(70000);
    arena.free(gone);
    const half = arena.alloc(100);
    arena.lock.lock();
    // Die inside free(half) right after its first store (the block's tag), before
    // the free list and stats were updated: the heap walk on recovery must fix it.
    new Int32Array(arena.buffer)[(half - 8) / 4 + 1] = 0x46524545; // TAG_FREE
    post({ type: 'allocated', kept, half });
  } else if (kind === 'seqlock-write') {
    const seq = shm.SeqLock.attach(handle);
    seq.writerLock.lock();
    seq.beginWrite();
  } else if (kind === 'ring-reserve') {
    const ring = shm.RingBuffer.attach(handle);
    // Internal first half of a write: the frame is reserved but never committed.
    if (ring.reserve(100) < 0) throw new Error('ring unexpectedly full');
  } else {
    throw new Error(`unknown kind ${kind}`);
  }
  post({ type: 'locked' });
  hang();
});
