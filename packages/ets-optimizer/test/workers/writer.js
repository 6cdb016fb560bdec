'use strict';
// Inserts [prefix + i, i] for i < count, then reports.
const { run, post } = require('./common');

run(({ handle, prefix, count }, { OptimizedTable }) => {
  const table = OptimizedTable.attach(handle);
  post({ type: 'attached' });
  for (let i = 0; i < count; i++) table.insert([prefix + i, { i, note: 'written while compacting' }]);
  post({ type: 'done' });
});
