'use strict';
// Reads every key twice over, in order, while batch-writer.js runs rounds of
// insertNewMany / deleteAllObjects, and checks that what it saw fits one
// timeline of whole batches. The table's states in time are empty, round 1,
// empty, round 2, ...: position 2r - 1 for round r, an even position for
// empty. Reads in order see non-decreasing positions, so a key seen absent
// after one seen in round r means the table was emptied since (position >=
// 2r), and a key then seen in round r again (or earlier) means the reader saw
// half a batch. Counts in shared[2] the passes during which a round ran;
// stops when shared[0] is set.
// workerData: { handle, keys, shared: SharedArrayBuffer }
const { run, post } = require('./common');

run(({ handle, keys, shared }, { OptimizedTable }) => {
  const table = OptimizedTable.attach(handle);
  const words = new Int32Array(shared);
  const order = keys.concat(keys);
  let passes = 0;
  let violations = 0;
  let present = 0;
  let first = null;
  post({ type: 'started' });
  do {
    const round = Atomics.load(words, 1);
    let pos = 0;
    const seen = [];
    for (const key of order) {
      const got = table.lookup(key);
      let at;
      if (got.length === 0) at = pos % 2 === 0 ? pos : pos + 1;
      else {
        present++;
        at = 2 * got[0][1].round - 1;
      }
      seen.push(got.length === 0 ? '-' : got[0][1].round);
      if (at < pos) {
        violations++;
        if (first === null) first = seen.join(',');
        break;
      }
      pos = at;
    }
    passes++;
    if (Atomics.load(words, 1) !== round) Atomics.add(words, 2, 1);
  } while (Atomics.load(words, 0) === 0);
  post({ type: 'done', passes, violations, present, first });
});
