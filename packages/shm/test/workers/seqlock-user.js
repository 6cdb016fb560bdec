'use strict';
// Writers store one value into every word of a record inside SeqLock.write;
// readers take snapshots with SeqLock.read and check that all words agree.
const { run, post, barrier } = require('./common');

run(({ handle, data, role, iterations, start, parties }, shm) => {
  const seq = shm.SeqLock.attach(handle);
  const words = new Int32Array(data);
  barrier(start, parties);
  let torn = 0;
  let last = -1;
  let regressions = 0;
  for (let i = 0; i < iterations; i++) {
    if (role === 'writer') {
      seq.write(() => {
        const v = Atomics.load(words, 0) + 1;
        for (let k = 0; k < words.length; k++) Atomics.store(words, k, v);
      });
    } else {
      const snap = seq.read(() => {
        const out = new Array(words.length);
        for (let k = 0; k < words.length; k++) out[k] = Atomics.load(words, k);
        return out;
      }, 60_000);
      if (snap.some((v) => v !== snap[0])) torn++;
      if (snap[0] < last) regressions++;
      last = snap[0];
    }
  }
  post({ type: 'done', torn, regressions });
});
