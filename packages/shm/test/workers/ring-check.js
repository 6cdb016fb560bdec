'use strict';
// Frame validation for the worker consumer; the main-thread consumer in
// ring-buffer.test.ts mirrors it in TypeScript.
function check(state, frame) {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const producerId = dv.getUint32(0, true);
  const seq = dv.getUint32(4, true);
  const expectedSeq = state.next.get(producerId) || 0;
  if (seq !== expectedSeq) state.errors.push(`producer ${producerId}: got seq ${seq}, expected ${expectedSeq}`);
  state.next.set(producerId, seq + 1);
  const len = 8 + ((seq * 7 + producerId * 13) % 181);
  if (frame.length !== len) state.errors.push(`producer ${producerId} seq ${seq}: length ${frame.length} != ${len}`);
  for (let i = 8; i < frame.length; i++) {
    if (frame[i] !== ((seq + i * producerId) & 0xff)) {
      state.errors.push(`producer ${producerId} seq ${seq}: byte ${i} differs`);
      break;
    }
  }
  state.received++;
}

module.exports = { check };
