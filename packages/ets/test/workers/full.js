'use strict';
// Runs a tour of the API on a table attached from a handle, and reports results.
const { run, post } = require('./common');

run(({ handle }, { Ets, $, END_OF_TABLE }) => {
  const table = Ets.attach(handle);
  table.insert(['c', 3]);
  const results = {
    lookup: table.lookup('a'),
    first: table.first(),
    next: table.next('a'),
    last: table.last(),
    size: table.size,
    counter: table.updateCounter('b', 1),
    select: table.select([{ head: [$(1), $(2)], guards: [['>', $(2), 2]], result: $(1) }]),
    tab2list: table.tab2list(),
    owner: table.info().owner,
    type: table.info().type,
  };
  if (table.next('c') !== END_OF_TABLE) throw new Error('expected the end of the table');
  post({ type: 'done', results });
});
