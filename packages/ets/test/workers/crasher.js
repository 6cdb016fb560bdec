'use strict';
// Writes to a table and freezes in the middle of a write (holding the stripe's
// lock) in a chosen way, so the test can terminate it there:
// - 'unpublished': a record is written, not yet published
// - 'shift': a delete has emptied its slot but not shifted the probe run back
// - 'order': an ordered_set insert has shifted the order array, not filled the gap
// - 'chain': a bag append has written the record, not linked it
// - 'random': no freeze; random writes until terminated
const { run, post, wallNow, freeze } = require('./common');
const { HashIndex } = require('../../dist/hash-index.js');
const { OrderIndex } = require('../../dist/order-index.js');
const { Stripe } = require('../../dist/stripe.js');
const { INDEX_HEADER_WORDS, ORDER_HEADER_WORDS, S_INDEX, S_ORDER } = require('../../dist/layout.js');

run(({ handle, mode, key }, { Ets }) => {
  const table = Ets.attach(handle);
  const hold = () => {
    post({ type: 'holding', at: wallNow() });
    freeze();
  };
  if (mode === 'unpublished') {
    HashIndex.prototype.publish = hold;
    HashIndex.prototype.replace = hold;
    table.insert([key, 'never visible']);
  } else if (mode === 'shift') {
    HashIndex.prototype.remove = function (slot) {
      // The first store of a real remove, then death.
      const block = this.ctl[this.base + S_INDEX];
      Atomics.store(this.mem.i32, (block >> 2) + INDEX_HEADER_WORDS + slot * 2 + 1, 0);
      hold();
    };
    table.delete(key);
  } else if (mode === 'order') {
    OrderIndex.prototype.insertAt = function (pos) {
      const block = this.ctl[this.base + S_ORDER];
      const first = (block >> 2) + ORDER_HEADER_WORDS;
      const count = this.mem.i32[(block >> 2) + 1];
      this.mem.i32.copyWithin(first + pos + 1, first + pos, first + count);
      hold();
    };
    table.insert([key, 'never visible']);
  } else if (mode === 'chain') {
    Stripe.prototype.setLink = hold;
    table.insert([key, 'never visible']);
  } else {
    post({ type: 'holding', at: wallNow() });
    let i = 0;
    for (;;) {
      const k = `r${i % 500}`;
      switch (i % 5) {
        case 0:
        case 1:
          table.insert([k, i, 'y'.repeat(i % 300)]);
          break;
        case 2:
          table.delete(k);
          break;
        case 3:
          table.insertMany([
            [`${k}a`, i, ''],
            [`${k}b`, i, 'z'.repeat(i % 40)],
          ]);
          break;
        default:
          table.lookup(k);
      }
      i++;
    }
  }
});
