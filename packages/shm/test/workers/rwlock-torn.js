'use strict';
// Writers fill a multi-word record with one value, word by word, under the write
// lock; readers check under a read hold that all words agree (no torn record).
const { run, post, barrier } = require('./common');

run(({ handle, data, role, iterations, start, parties }, shm) => {
  const lock = shm.RwLock.attach(handle);
  const words = new Int32Array(data);
  barrier(start, parties);
  let torn = 0;
  let reads = 0;
  for (let i = 0; i < iterations; i++) {
    if (role === 'writer') {
      lock.writeLock();
      const v = words[0] + 1;
      for (let k = 0; k < words.length; k++) words[k] = v;
      lock.writeUnlock();
    } else {
      lock.readLock();
      const first = words[0];
      for (let k = 1; k < words.length; k++) if (words[k] !== first) torn++;
      reads++;
      lock.readUnlock();
    }
  }
  post({ type: 'done', torn, reads });
});
