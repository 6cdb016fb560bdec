'use strict';
// Runs one table operation and freezes, holding its stripes, at a chosen
// internal step, so that the test can terminate the thread exactly there.
//
// workerData: { handle, op, args, at, when, nth }
// - at: 'Class.method' or a list of them (Stripe, HashIndex, OrderIndex,
//   RecordHeap, TableMemory); calls to any of them count together
// - when: 'before' or 'after' the nth counted call
// Posts { type: 'holding' } when frozen, or { type: 'finished' } if the
// operation completed without reaching the step (a mistake in the test).
const { run, post, wallNow, freeze } = require('./common');
const classes = {
  Stripe: require('../../dist/stripe.js').Stripe,
  HashIndex: require('../../dist/hash-index.js').HashIndex,
  OrderIndex: require('../../dist/order-index.js').OrderIndex,
  RecordHeap: require('../../dist/record-heap.js').RecordHeap,
  TableMemory: require('../../dist/memory.js').TableMemory,
};

run(({ handle, op, args, at, when, nth }, { Ets }) => {
  const table = Ets.attach(handle);
  let calls = 0;
  const hold = () => {
    post({ type: 'holding', at: wallNow() });
    freeze();
  };
  const wrap = (name, fn) => {
    const [cls, method] = name.split('.');
    const proto = classes[cls].prototype;
    const original = proto[method];
    if (typeof original !== 'function') throw new Error(`no method ${name}`);
    proto[method] = function (...a) {
      return fn(this, () => original.apply(this, a));
    };
  };
  for (const name of Array.isArray(at) ? at : [at]) {
    wrap(name, (_self, call) => {
      if (when === 'before' && ++calls === nth) hold();
      const r = call();
      if (when === 'after' && ++calls === nth) hold();
      return r;
    });
  }
  table[op](...args);
  post({ type: 'finished' });
});
