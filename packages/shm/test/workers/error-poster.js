'use strict';
// Meets real shm errors in this thread and posts each twice: as it is (a
// structured clone of the Error) and as serializeError makes it.
const { run, post } = require('./common');

run((_data, shm) => {
  const caught = [];
  const attempt = (fn) => {
    try {
      fn();
    } catch (error) {
      caught.push(error);
    }
  };
  attempt(() => shm.Mutex.create().unlock()); // NotOwnerError
  attempt(() => shm.Arena.create({ maxBytes: 1 << 16 }).alloc(1 << 20)); // OutOfMemoryError (requested, maxBytes)
  attempt(() => {
    const mutex = shm.Mutex.create();
    mutex.lock();
    mutex.lock(); // DeadlockError
  });
  post({
    type: 'errors',
    raw: caught,
    serialized: caught.map((e) => shm.serializeError(e)),
    expected: caught.map((e) => ({
      name: e.name,
      code: e.code,
      message: e.message,
      stack: e.stack,
      requested: e.requested,
      maxBytes: e.maxBytes,
    })),
  });
});
