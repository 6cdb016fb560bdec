'use strict';
// Shared by the test workers: runs the body and reports failures as messages.
const { parentPort, workerData } = require('node:worker_threads');
const optimizer = require('../../dist/index.js');
const ets = require('@erlmcp/ets');

function run(body) {
  Promise.resolve()
    .then(() => body(workerData, optimizer, ets))
    .catch((err) => parentPort.postMessage({ type: 'error', message: String((err && err.stack) || err) }));
}

/** Blocks this thread for good (until terminated). */
function freeze() {
  const word = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(word, 0, 0);
}

module.exports = { run, freeze, post: (m) => parentPort.postMessage(m) };
