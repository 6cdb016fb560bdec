/**
 * The cold form: every value a plain table keeps comes back the same from a
 * cold record; large strings and binaries repeated across records are
 * stored once and freed with their last reference; small repeated strings
 * are interned; compression trains a dictionary on the table's records.
 */
import fc from 'fast-check';
import { Ets, UnencodableError } from '@erlmcp/ets';
import { OptimizedTable } from '@erlmcp/ets-optimizer';

afterEach(() => {
  for (const t of Ets.all()) Ets.delete(t);
});

const valueArb = fc.oneof(
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withNullPrototype: false,
    withBoxedValues: false,
    withSparseArray: true,
  }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    -0,
    NaN,
    Infinity,
    2 ** 53 - 1,
    -(2 ** 40),
    0.5,
    '\ud800',
    'é'.repeat(120),
    Buffer.from('x'.repeat(150)),
    new Uint8Array(150).fill(7),
  ),
);

describe('cold records', () => {
  it('hold every value a plain table holds, read back the same', () => {
    const plain = Ets.new('plain', { access: 'public' });
    const opt = OptimizedTable.create('cold', {
      hotCold: false,
      dedup: { minBytes: 16, internMaxLength: 16 },
      shards: 4,
      access: 'public',
    });
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 4 }), fc.nat(20), (values, k) => {
        const object = [k, ...values, values];
        plain.insert(object);
        opt.insert(object);
        expect(opt.lookup(k)).toStrictEqual(plain.lookup(k));
      }),
      { numRuns: 300 },
    );
    opt.maintain();
    for (let k = 0; k <= 20; k++) expect(opt.lookup(k)).toStrictEqual(plain.lookup(k));
    opt.check();
  });

  it('refuses what a plain table refuses, naming the field, and writes nothing', () => {
    const opt = OptimizedTable.create('cold', { hotCold: false, access: 'public' });
    const hot = OptimizedTable.create('hot', { access: 'public' });
    for (const t of [opt, hot]) {
      let error: unknown;
      try {
        t.insert(['k', { tools: [{ run: () => 1 }] }]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnencodableError);
      expect((error as UnencodableError).path).toBe('insert[1].tools[0].run');
      expect(t.size).toBe(0);
    }
    expect(() =>
      opt.insertMany([
        ['a', 1],
        ['b', Symbol('x')],
      ]),
    ).toThrow(UnencodableError);
    expect(opt.size).toBe(0);
    opt.check();
  });

  it('store a large repeated string once, freed with its last reference', () => {
    const description = 'Searches the indexed documents and returns ranked passages. '.repeat(8);
    const opt = OptimizedTable.create('dedup', { hotCold: false, compression: false, access: 'public' });
    for (let i = 0; i < 50; i++) opt.insert([`s${i}`, { description, n: i }]);
    let stats = opt.storeStats();
    expect(stats.sharedValues).toBe(1);
    // The first record saw the string once and kept it inline; the other 49 share it.
    expect(stats.sharedReferences).toBe(49);
    expect(stats.sharedBytes).toBe(Buffer.byteLength(description));
    expect(opt.lookup('s7')).toEqual([['s7', { description, n: 7 }]]);
    opt.check();
    for (let i = 1; i < 50; i += 2) opt.delete(`s${i}`);
    expect(opt.storeStats().sharedReferences).toBe(24);
    opt.check();
    for (let i = 0; i < 50; i += 2) opt.take(`s${i}`);
    stats = opt.storeStats();
    expect(stats.sharedValues).toBe(0);
    expect(stats.sharedReferences).toBe(0);
    opt.check();
  });

  it('drop references when a cold record is overwritten, updated or promoted', () => {
    const big = 'y'.repeat(300);
    const opt = OptimizedTable.create('refs', { access: 'public', compression: false, hotCold: { promoteAfter: 2 } });
    for (let i = 0; i < 10; i++) opt.insert([i, big, 0]);
    opt.maintain({ demoteAll: true });
    expect(opt.tiers()).toEqual({ hot: 0, cold: 10 });
    expect(opt.storeStats().sharedReferences).toBe(9);
    opt.insert([0, 'small', 0]);
    opt.updateCounter(1, { pos: 3, incr: 5 });
    opt.updateElement(2, [3, 7]);
    opt.lookup(3);
    opt.lookup(3); // the second read promotes it
    expect(opt.hitRates().promotions).toBe(1);
    expect(opt.lookup(1)).toEqual([[1, big, 5]]);
    expect(opt.tiers().cold).toBe(6);
    opt.check();
    opt.deleteAllObjects();
    expect(opt.storeStats().sharedValues).toBe(0);
    opt.check();
  });

  it('intern repeated small strings and train a compression dictionary', () => {
    const opt = OptimizedTable.create('dict', { access: 'public' });
    for (let i = 0; i < 200; i++)
      opt.insert([
        `k${i}`,
        { protocolVersion: '2025-11-25', client: { name: 'claude-desktop', version: '1.2.3' }, seq: i },
      ]);
    const report = opt.maintain({ demoteAll: true });
    expect(report.trained).toBe(1);
    expect(report.demoted).toBe(200);
    const stats = opt.storeStats();
    expect(stats.compressionDictionary).toBe(1);
    expect(stats.dictionaryStrings).toBeGreaterThan(0);
    expect(opt.lookup('k5')).toEqual([
      ['k5', { protocolVersion: '2025-11-25', client: { name: 'claude-desktop', version: '1.2.3' }, seq: 5 }],
    ]);
    expect(opt.memory().compressionDictionaries.used).toBeGreaterThan(0);
    opt.check();
  });
});
