'use strict';
// Increments a plain (non-atomic) two-word counter under the mutex. Without
// mutual exclusion the read-modify-write races lose increments.
const { run, post, barrier } = require('./common');

run(({ handle, counter, iterations, mode, start, parties }, shm) => {
  const mutex = shm.Mutex.attach(handle);
  const c = new Int32Array(counter);
  barrier(start, parties);
  for (let i = 0; i < iterations; i++) {
    if (mode === 'spin') mutex.lockSpin(60_000);
    else mutex.lock();
    const lo = c[0];
    const hi = c[1];
    // A little work inside the section widens the race window.
    let x = 0;
    for (let k = 0; k < 20; k++) x += k;
    c[0] = lo + 1 + (x - 190);
    c[1] = hi + 1;
    mutex.unlock();
  }
  post({ type: 'done' });
});
