'use strict';
// Reads keys over and over until told to stop, checking each object against
// what the key must hold; reports reads, wrong reads and the longest read.
// workerData: { handle, keys, stop: SharedArrayBuffer }
const { run, post } = require('./common');

run(({ handle, keys, expect, stop }, { OptimizedTable }) => {
  const table = OptimizedTable.attach(handle);
  const flag = new Int32Array(stop);
  let reads = 0;
  let wrong = 0;
  let longestMs = 0;
  post({ type: 'started' });
  while (Atomics.load(flag, 0) === 0) {
    for (let i = 0; i < keys.length; i++) {
      const t = performance.now();
      const got = table.lookup(keys[i]);
      const ms = performance.now() - t;
      if (ms > longestMs) longestMs = ms;
      reads++;
      if (got.length !== 1 || JSON.stringify(got[0]) !== expect[i]) wrong++;
    }
  }
  post({ type: 'done', reads, wrong, longestMs });
});
