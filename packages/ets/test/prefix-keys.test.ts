import { END_OF_TABLE, Ets } from '@erlmcp/ets';

/**
 * "a" encodes as 61 00 and "a\u0000" as 61 00 FF 00: the one way an encoded
 * key shares all of another's bytes. Regression for walks and lookups that
 * compared only the probe's length (found by the ordered_set model test).
 */
describe.each([
  ['1 stripe', false],
  ['16 stripes', true],
])('keys that extend another through an escaped zero (%s)', (_label, concurrent) => {
  const options = { access: 'public' as const, writeConcurrency: concurrent, readConcurrency: concurrent };

  test('an ordered_set walks, steps and looks up both keys', () => {
    const table = Ets.new('prefix-ordered', { ...options, type: 'ordered_set' });
    try {
      table.insert(['a\u0000\u0000', 3]);
      table.insertNew(['a\u0000', 2]);
      table.insert(['a', 1]);
      const keys: unknown[] = [];
      for (let k = table.first(); k !== END_OF_TABLE; k = table.next(k)) keys.push(k);
      expect(keys).toEqual(['a', 'a\u0000', 'a\u0000\u0000']);
      expect(table.prev('a\u0000')).toBe('a');
      expect(table.lookup('a')).toEqual([['a', 1]]);
      expect(table.lookup('a\u0000')).toEqual([['a\u0000', 2]]);
    } finally {
      Ets.delete(table);
    }
  });

  test('a set keeps them apart', () => {
    const table = Ets.new('prefix-set', options);
    try {
      table.insert(['a\u0000', 2]);
      expect(table.lookup('a')).toEqual([]);
      expect(table.insertNew(['a', 1])).toBe(true);
      expect(table.lookup('a')).toEqual([['a', 1]]);
      expect(table.size).toBe(2);
    } finally {
      Ets.delete(table);
    }
  });
});
