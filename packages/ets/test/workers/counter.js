'use strict';
// Increments shared counters with updateCounter, `rounds` times each.
const { run, post, barrier } = require('./common');

run(({ handle, keys, rounds, start, parties }, { Ets }) => {
  const table = Ets.attach(handle);
  barrier(start, parties);
  for (let r = 0; r < rounds; r++) {
    for (const key of keys) table.updateCounter(key, 1);
    table.updateCounter('total', [{ pos: 2, incr: keys.length }]);
  }
  post({ type: 'done' });
});
