'use strict';
// Meets real table errors in this thread and posts each twice: as it is (a
// structured clone of the Error) and as serializeError makes it.
const { run, post } = require('./common');

run(({ handle, small }, { Ets, serializeError }) => {
  const table = Ets.attach(handle);
  const caught = [];
  const attempt = (fn) => {
    try {
      fn();
    } catch (error) {
      caught.push(error);
    }
  };
  attempt(() => table.lookupElement('absent', 2)); // NoSuchKeyError
  attempt(() => {
    const full = Ets.attach(small);
    for (let n = 0; n < 100_000; n++) full.insert([n, 'v'.repeat(100)]); // TableFullError (maxBytes)
  });
  attempt(() => {
    table.insert(['a', 1]);
    table.selectDelete(() => table.member('a')); // DeadlockError, from @erlmcp/shm underneath
  });
  attempt(() => table.insert(['k', Symbol('s')])); // UnencodableError, a TypeError
  post({
    type: 'errors',
    raw: caught,
    serialized: caught.map((e) => serializeError(e)),
    expected: caught.map((e) => ({
      name: e.name,
      code: e.code,
      message: e.message,
      stack: e.stack,
      maxBytes: e.maxBytes,
    })),
  });
});
