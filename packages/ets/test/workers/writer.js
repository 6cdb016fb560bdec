'use strict';
// Applies a list of [operation, ...args] to the table, then reports done.
const { run, post } = require('./common');

run(({ handle, ops }, { Ets }) => {
  const table = Ets.attach(handle);
  for (const [op, ...args] of ops) table[op](...args);
  post({ type: 'done' });
});
