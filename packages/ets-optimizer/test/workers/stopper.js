'use strict';
// Runs one operation on an optimized table and freezes at a chosen step, so
// the test can terminate the thread exactly there.
// workerData: { handle, op, args, at: 'Table.method' (an @erlmcp/ets Table method), nth, arity? }
// (with arity, only calls with that many arguments count)
// Posts { type: 'holding' } when frozen, { type: 'finished' } if the op ended first.
const { run, freeze, post } = require('./common');

run(({ handle, op, args, at, nth, arity }, { OptimizedTable }, { Table }) => {
  const table = OptimizedTable.attach(handle);
  const [, method] = at.split('.');
  const original = Table.prototype[method];
  let calls = 0;
  Table.prototype[method] = function (...a) {
    const r = original.apply(this, a);
    if ((arity === undefined || a.length === arity) && ++calls === nth) {
      post({ type: 'holding' });
      freeze();
    }
    return r;
  };
  table[op](...args);
  post({ type: 'finished' });
});
