'use strict';
// Random alloc/free from one thread of several sharing an arena. Every block
// is filled with a value unique to (thread, block) and verified before it is
// freed, so a block handed out twice, or overlapping another, is detected.
const { run, post, barrier } = require('./common');

run(({ handle, id, iterations, seed, start, parties }, shm) => {
  const arena = shm.Arena.attach(handle);
  const words = new Int32Array(arena.buffer); // length-tracking: follows grow() by any thread
  let state = seed >>> 0 || 1;
  const rand = (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const live = [];
  let corrupt = 0;
  let ooms = 0;
  const verify = (b) => {
    for (let i = b.offset / 4; i < (b.offset + b.size) / 4; i++) if (words[i] !== b.tag) return false;
    return true;
  };
  barrier(start, parties);
  for (let n = 0; n < iterations; n++) {
    if (live.length > 0 && (rand(100) < 45 || live.length > 200)) {
      const b = live.splice(rand(live.length), 1)[0];
      if (!verify(b)) corrupt++;
      arena.free(b.offset);
      continue;
    }
    const size = 4 * (rand(100) < 90 ? 1 + rand(64) : 8000 + rand(12000));
    let offset;
    try {
      offset = arena.alloc(size);
    } catch (err) {
      if (err.code !== 'ERR_SHM_OUT_OF_MEMORY') throw err;
      ooms++;
      continue;
    }
    const tag = (id << 24) | (n & 0xffffff);
    words.fill(tag, offset / 4, (offset + size) / 4);
    live.push({ offset, size, tag });
  }
  for (const b of live) if (!verify(b)) corrupt++;
  post({ type: 'done', corrupt, ooms, live: live.map((b) => [b.offset, b.size]) });
});
