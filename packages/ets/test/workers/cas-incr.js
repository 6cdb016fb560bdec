'use strict';
// Increments element 2 of `key` `times` times through replaceObject (a CAS loop).
const { run, post } = require('./common');

run(({ handle, key, times }, { Ets }) => {
  const table = Ets.attach(handle);
  let retries = 0;
  for (let i = 0; i < times; i++) {
    for (;;) {
      const [current] = table.lookup(key);
      if (table.replaceObject(current, [key, current[1] + 1])) break;
      retries++;
    }
  }
  post({ type: 'done', retries });
});
