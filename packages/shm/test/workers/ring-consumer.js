'use strict';
// Blocking consumer: waitForData + readBatch until `total` frames arrived;
// reports per-producer order violations and payload mismatches.
const { run, post } = require('./common');
const { check } = require('./ring-check');

run(({ handle, total }, shm) => {
  const ring = shm.RingBuffer.attach(handle);
  const state = { next: new Map(), errors: [], received: 0 };
  while (state.received < total) {
    if (!ring.waitForData(30_000)) throw new Error(`timed out after ${state.received} frames`);
    for (const frame of ring.readBatch(64)) check(state, frame);
  }
  post({ type: 'done', received: state.received, errors: state.errors.slice(0, 10), extra: ring.read() !== null });
});
