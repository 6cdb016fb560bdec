'use strict';
// Round r = 1, 2, ...: insertNewMany(every key, tagged r) into the emptied
// table, then deleteAllObjects(), publishing r in shared[1]; runs at least
// `minRounds` rounds and then until the reader has made `minOverlapped`
// passes that overlapped a round (shared[2]), at most `maxRounds`. Reports
// how many inserts were refused (none may be: the table is empty before each).
// workerData: { handle, keys, shared: SharedArrayBuffer, minRounds, minOverlapped, maxRounds }
const { run, post } = require('./common');

run(({ handle, keys, shared, minRounds, minOverlapped, maxRounds }, { OptimizedTable }) => {
  const table = OptimizedTable.attach(handle);
  const words = new Int32Array(shared);
  post({ type: 'started' });
  let refused = 0;
  let r = 0;
  while (r < maxRounds && (r < minRounds || Atomics.load(words, 2) < minOverlapped)) {
    r++;
    if (!table.insertNewMany(keys.map((k) => [k, { round: r, pad: 'x'.repeat(r % 7) }]))) refused++;
    Atomics.store(words, 1, r);
    table.deleteAllObjects();
  }
  post({ type: 'done', refused, rounds: r });
});
