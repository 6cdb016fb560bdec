'use strict';
// Reads `keys` from the table and stores each value it found again under
// ['echo', key], then stores a Map of its own under 'worker'. Reports what
// it saw of the main thread's value: a Map holding -0 under 1.
const { run, post } = require('./common');

run(({ handle, keys }, { Ets }) => {
  const table = Ets.attach(handle);
  for (const k of keys) table.insert([['echo', k], table.lookupElement(k, 2)]);
  const first = table.lookupElement(keys[0], 2);
  table.insert([
    'worker',
    new Map([
      [3, [-0]],
      [{ a: 1 }, 'obj key'],
    ]),
    new Float32Array([2.5]),
  ]);
  post({
    type: 'checked',
    isMap: first instanceof Map,
    negativeZero: first instanceof Map && Object.is(first.get(1), -0),
  });
});
