'use strict';
// Looks up `keys` once (repairing whatever stripes a dead writer left) and reports what it found.
const { run, post } = require('./common');

run(({ handle, keys }, { Ets }) => {
  const table = Ets.attach(handle);
  post({ type: 'done', found: keys.map((k) => table.lookup(k)) });
});
