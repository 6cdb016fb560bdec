'use strict';
// Writes `count` frames [producerId, seq, payload...] whose payload bytes are
// derived from (producerId, seq), so the consumer can check order and content.
// makeFrame is mirrored in ring-buffer.test.ts.
const { run, post, barrier } = require('./common');

function makeFrame(producerId, seq) {
  const len = 8 + ((seq * 7 + producerId * 13) % 181);
  const frame = new Uint8Array(len);
  const dv = new DataView(frame.buffer);
  dv.setUint32(0, producerId, true);
  dv.setUint32(4, seq, true);
  for (let i = 8; i < len; i++) frame[i] = (seq + i * producerId) & 0xff;
  return frame;
}

run(({ handle, producerId, count, mode, start, parties }, shm) => {
  const ring = shm.RingBuffer.attach(handle);
  if (start) barrier(start, parties);
  let fullRetries = 0;
  for (let seq = 0; seq < count; seq++) {
    const frame = makeFrame(producerId, seq);
    if (mode === 'try') {
      const pause = new Int32Array(new SharedArrayBuffer(4));
      while (!ring.tryWrite(frame)) {
        fullRetries++;
        Atomics.wait(pause, 0, 0, 0.05);
      }
    } else {
      ring.write(frame, 60_000);
    }
  }
  post({ type: 'done', fullRetries });
});
