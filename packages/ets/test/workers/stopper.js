'use strict';
// Runs one table operation and freezes, holding its stripes, at a chosen
// internal step, so that the test can terminate the thread exactly there.
//
// workerData: { handle, op, args, at, when, nth, afterCommit }
// - at: 'Class.method' or a list of them (Transaction, Stripe, HashIndex,
//   OrderIndex, RecordHeap, TableMemory, Table, Int32Array); calls to any of
//   them count together
// - when: 'before' or 'after' the nth counted call
// - afterCommit: count only calls made after Transaction.commit returned
// Posts { type: 'holding' } when frozen, or { type: 'finished' } if the
// operation completed without reaching the step (a mistake in the test).
const { run, post, wallNow, freeze } = require('./common');
const classes = {
  Transaction: require('../../dist/transaction.js').Transaction,
  Stripe: require('../../dist/stripe.js').Stripe,
  HashIndex: require('../../dist/hash-index.js').HashIndex,
  OrderIndex: require('../../dist/order-index.js').OrderIndex,
  RecordHeap: require('../../dist/record-heap.js').RecordHeap,
  TableMemory: require('../../dist/memory.js').TableMemory,
  Table: require('../../dist/table.js').Table,
  Int32Array,
};

run(({ handle, op, args, at, when, nth, afterCommit }, { Ets }) => {
  const table = Ets.attach(handle);
  let armed = !afterCommit;
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
  if (afterCommit) {
    wrap('Transaction.commit', (_self, call) => {
      const r = call();
      armed = true;
      return r;
    });
  }
  for (const name of Array.isArray(at) ? at : [at]) {
    wrap(name, (_self, call) => {
      if (armed && when === 'before' && ++calls === nth) hold();
      const r = call();
      if (armed && when === 'after' && ++calls === nth) hold();
      return r;
    });
  }
  table[op](...args);
  post({ type: 'finished' });
});
