'use strict';
// Blocks in Mutex.lock() (Atomics.wait) and reports when it got the lock.
const { run, post, wallNow } = require('./common');

run(({ handle }, shm) => {
  const mutex = shm.Mutex.attach(handle);
  post({ type: 'waiting' });
  mutex.lock(10_000);
  const at = wallNow();
  const inconsistent = mutex.inconsistent;
  if (inconsistent) mutex.markConsistent();
  mutex.unlock();
  post({ type: 'acquired', at, inconsistent, recoveries: mutex.recoveries });
});
