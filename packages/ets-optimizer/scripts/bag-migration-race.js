'use strict';
// Why bags have no cold tier (README, "Bags"): measures what a tier migration
// of a bag's object would expose, with only the operations @erlmcp/ets has
// for bags. A set's migration is one compare-and-swap (replaceObject); a bag
// has none, so moving one object of a key to another form is deleteObject
// then insert. A worker thread does that to one of a key's three objects,
// back and forth, while this thread looks the key up and counts the lookups
// that did not return three objects. Run after `npm run build`:
//   node packages/ets-optimizer/scripts/bag-migration-race.js
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
const { Ets } = require('@erlmcp/ets');

const MIGRATIONS = 200_000;
const hot = ['k', 'b', { tier: 'hot' }];
const cold = ['k', 'b', { tier: 'cold' }];

if (isMainThread) {
  const table = Ets.new('bag-race', { type: 'bag', access: 'public', readConcurrency: true, writeConcurrency: true });
  table.insertMany([['k', 'a', {}], hot, ['k', 'c', {}]]);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(__filename, { workerData: { handle: table.handle(), stop: stop.buffer } });
  worker.once('message', () => {
    let lookups = 0;
    let short = 0;
    while (Atomics.load(stop, 0) === 0) {
      lookups++;
      if (table.lookup('k').length !== 3) short++;
    }
    console.log(
      JSON.stringify({ migrations: MIGRATIONS, lookups, short, shortPct: +((100 * short) / lookups).toFixed(2) }),
    );
    worker.terminate();
  });
} else {
  const table = Ets.attach(workerData.handle);
  const stop = new Int32Array(workerData.stop);
  parentPort.postMessage('started');
  for (let i = 0; i < MIGRATIONS; i++) {
    const [from, to] = i % 2 === 0 ? [hot, cold] : [cold, hot];
    table.deleteObject(from);
    table.insert(to);
  }
  Atomics.store(stop, 0, 1);
}
