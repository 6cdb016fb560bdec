'use strict';
// Shared by the test workers: runs the body and reports failures as messages,
// since an uncaught error in a worker would only surface as an exit code.
const { parentPort, workerData } = require('node:worker_threads');
const shm = require('../../dist/index.js');

function wallNow() {
  return performance.timeOrigin + performance.now();
}

function run(body) {
  Promise.resolve()
    .then(() => body(workerData, shm))
    .catch((err) => parentPort.postMessage({ type: 'error', message: String((err && err.stack) || err) }));
}

/** Keeps the worker alive (idle event loop) until it is terminated. */
function hang() {
  setInterval(() => {}, 1 << 30);
}

/** Blocks until `parties` workers have arrived, so that they really run concurrently. */
function barrier(sab, parties) {
  const b = new Int32Array(sab);
  Atomics.add(b, 0, 1);
  Atomics.notify(b, 0);
  for (let seen = Atomics.load(b, 0); seen < parties; seen = Atomics.load(b, 0)) Atomics.wait(b, 0, seen, 50);
}

module.exports = {
  run,
  hang,
  wallNow,
  barrier,
  post: (m) => parentPort.postMessage(m),
  onMessage: (fn) => parentPort.on('message', fn),
};
