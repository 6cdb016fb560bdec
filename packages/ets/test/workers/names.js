'use strict';
// Name registration on attach, seen from a worker: the worker creates its
// own named table under the name the main thread's table has, attaches the
// main thread's table, and reports what `Ets.whereis` says at each step.
const { run, post } = require('./common');
const { parentPort } = require('node:worker_threads');

run(async ({ handle }, { Ets, TableNameTakenError }) => {
  const name = handle.name;
  const own = Ets.new(name, { named: true, access: 'public' });
  own.insert(['who', 'worker']);
  const report = {};
  const theirs = Ets.attach(handle);
  report.attachedIsTheirs = theirs.lookupElement('who', 2) === 'main';
  report.whereisAfterAttach = Ets.whereis(name).lookupElement('who', 2);
  report.tableByName = Ets.table(name).lookupElement('who', 2);
  try {
    Ets.new(name, { named: true });
    report.newWhileTaken = 'created';
  } catch (e) {
    report.newWhileTaken = e instanceof TableNameTakenError ? 'TableNameTakenError' : String(e);
  }
  report.bothListed = Ets.all().filter((t) => t.name === name).length;
  // Give the main thread our table, and wait until it is done with it.
  post({ type: 'own', handle: own.handle() });
  await new Promise((resolve) => parentPort.once('message', resolve));
  Ets.delete(own);
  report.whereisAfterDelete = Ets.whereis(name) === undefined ? 'none' : 'some';
  // The name is free: attaching again (the instance this thread already has) takes it.
  report.reattachIsSame = Ets.attach(handle) === theirs;
  report.whereisAfterReattach = Ets.whereis(name) === theirs;
  post({ type: 'report', report });
});
