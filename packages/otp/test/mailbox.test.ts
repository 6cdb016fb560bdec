/**
 * The mailbox against an array as its model: FIFO order, tags beside their messages,
 * selective removal and compaction, across the ring's growth and the overflow chunks a
 * burst past 1024 messages goes to (and back).
 */
import fc from 'fast-check';
import { Mailbox, Tag } from '../src/mailbox';

type Op =
  { kind: 'push'; n: number } | { kind: 'shift'; n: number } | { kind: 'removeAt'; at: number } | { kind: 'compact' };

const op: fc.Arbitrary<Op> = fc.oneof(
  // Bursts big enough to cross the ring's 2048 slots and fill several chunks.
  fc.record({
    kind: fc.constant('push' as const),
    n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 500, max: 3000 })),
  }),
  fc.record({
    kind: fc.constant('shift' as const),
    n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 500, max: 3000 })),
  }),
  fc.record({ kind: fc.constant('removeAt' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('compact' as const) }),
);

function check(box: Mailbox, model: Array<[Tag, number]>): void {
  expect(box.length).toBe(model.length);
  // Spot checks everywhere, and both ends, without making each run quadratic.
  const step = Math.max(1, Math.floor(model.length / 50));
  for (let i = 0; i < model.length; i += step) {
    expect(box.at(i)).toBe(model[i]![1]);
    expect(box.tagAt(i)).toBe(model[i]![0]);
  }
  if (model.length > 0) {
    expect(box.at(model.length - 1)).toBe(model[model.length - 1]![1]);
    expect(box.headTag()).toBe(model[0]![0]);
  }
  expect(box.at(model.length)).toBeUndefined();
  expect(box.at(-1)).toBeUndefined();
  expect(box.capacity).toBeGreaterThanOrEqual(model.length * 2);
}

describe('Mailbox', () => {
  it('behaves as a FIFO of (tag, message) with selective removal, whatever the sequence of bursts', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const box = new Mailbox();
        const model: Array<[Tag, number]> = [];
        let next = 0;
        for (const o of ops) {
          switch (o.kind) {
            case 'push':
              for (let i = 0; i < o.n; i++) {
                const tag = (next % 4) as Tag;
                box.push(tag, next);
                model.push([tag, next++]);
              }
              break;
            case 'shift':
              for (let i = 0; i < o.n && model.length > 0; i++) {
                expect(box.headTag()).toBe(model[0]![0]);
                expect(box.shift()).toBe(model.shift()![1]);
              }
              break;
            case 'removeAt': {
              if (model.length === 0) {
                expect(box.removeAt(0)).toBeUndefined();
                break;
              }
              const at = o.at % model.length;
              expect(box.removeAt(at)).toBe(model.splice(at, 1)[0]![1]);
              break;
            }
            case 'compact':
              box.compact();
              break;
          }
          check(box, model);
        }
        while (model.length > 0) expect(box.shift()).toBe(model.shift()![1]);
        expect(box.shift()).toBeUndefined();
        expect(box.length).toBe(0);
      }),
      { numRuns: 25 },
    );
  });

  it('holds a backlog of a million in chunks, not one array of millions of slots, and hands it back in order', () => {
    const box = new Mailbox();
    const n = 1_000_000;
    for (let i = 0; i < n; i++) box.push(Tag.Cast, i);
    expect(box.length).toBe(n);
    // Two slots a message, plus at most the ring and one partly filled chunk beyond that.
    expect(box.capacity).toBeLessThanOrEqual(2 * n + 2 * 2048);
    let expected = 0;
    let inOrder = true;
    while (box.length > 0) {
      if (box.headTag() !== Tag.Cast || box.shift() !== expected++) inOrder = false;
    }
    expect(inOrder).toBe(true);
    expect(expected).toBe(n);
  });

  it('compacts a drained ring back to 16 slots and drops the spare chunk', () => {
    const box = new Mailbox();
    for (let i = 0; i < 5000; i++) box.push(Tag.Info, i);
    while (box.length > 0) box.shift();
    expect(box.capacity).toBeGreaterThan(16);
    box.compact();
    expect(box.capacity).toBe(16);
    box.push(Tag.Info, 'after');
    expect(box.shift()).toBe('after');
  });
});
