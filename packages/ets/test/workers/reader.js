'use strict';
// Looks up keys in a loop and reports progress, with wall-clock timestamps,
// until told to stop. Checks every value it finds against `expect`.
const { run, post, wallNow } = require('./common');

run(({ handle, keys, stop, progress }, { Ets }) => {
  const table = Ets.attach(handle);
  const halt = new Int32Array(stop);
  const beat = new Float64Array(progress);
  let n = 0;
  let bad = 0;
  while (Atomics.load(halt, 0) === 0) {
    const key = keys[n % keys.length];
    const found = table.lookup(key);
    if (found.length > 0 && found[0][1] !== `value of ${key}`) bad++;
    n++;
    beat[0] = wallNow();
  }
  post({ type: 'done', n, bad });
});
