'use strict';
// One writer per key range: insert a self-checking object (generation g), then
// delete it, then publish "g deleted"; again with g + 1. Readers check every
// object they see is whole, and never older than a delete that had completed
// before their lookup began.
const { run, post, barrier } = require('./common');

function payload(key, gen) {
  // Sizes vary with the generation, so records move between size classes.
  return `${key}:${gen}:` + 'x'.repeat(gen % 97);
}

run(({ handle, role, keys, deleted, rounds, start, parties, stop }, { Ets }) => {
  const table = Ets.attach(handle);
  const done = new Int32Array(deleted);
  const halt = new Int32Array(stop);
  barrier(start, parties);
  if (role === 'writer') {
    for (let gen = 1; gen <= rounds; gen++) {
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        table.insert([key, { gen, text: payload(key, gen), sum: gen * 7 + key.length }]);
        if (gen % 3 === 0)
          table.insertMany([
            [`${key}/a`, gen],
            [`${key}/b`, gen],
          ]);
        table.delete(key);
        Atomics.store(done, i, gen);
      }
    }
    post({ type: 'done' });
    return;
  }
  let seen = 0;
  let problems = [];
  while (Atomics.load(halt, 0) === 0 && problems.length < 5) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const deletedBefore = Atomics.load(done, i);
      const found = table.lookup(key);
      if (found.length === 0) continue;
      seen++;
      const [k, v] = found[0];
      if (found.length !== 1 || k !== key || v.text !== payload(key, v.gen) || v.sum !== v.gen * 7 + key.length) {
        problems.push(`torn: ${JSON.stringify(found)}`);
      } else if (v.gen <= deletedBefore) {
        problems.push(`${key} generation ${v.gen} seen after its delete completed (${deletedBefore})`);
      }
      const pair = [table.lookup(`${key}/a`), table.lookup(`${key}/b`)];
      for (const p of pair)
        if (p.length > 0 && !Number.isInteger(p[0][1])) problems.push(`torn pair ${JSON.stringify(p)}`);
    }
  }
  post({ type: 'done', seen, problems });
});
