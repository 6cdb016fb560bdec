/**
 * Points where the tables must do what Erlang's ets documentation says,
 * each found wrong once: insert_new of a list, counters past the integers a
 * number holds exactly, guards that raise in Erlang.
 */
import { $, _, BadArgError, Ets, type MatchSpec } from '@erlmcp/ets';

afterEach(() => {
  for (const t of Ets.all()) Ets.delete(t);
});

describe('insertNewMany (ets:insert_new with a list)', () => {
  it('checks only the table for the keys: a key twice in the list is inserted, the last object kept in a set', () => {
    const set = Ets.new('inm-set', { writeConcurrency: true });
    expect(
      set.insertNewMany([
        ['x', 1],
        ['y', 0],
        ['x', 2],
      ]),
    ).toBe(true);
    expect(set.lookup('x')).toEqual([['x', 2]]);
    expect(set.size).toBe(2);
    expect(
      set.insertNewMany([
        ['z', 1],
        ['z', 2],
        ['x', 3],
      ]),
    ).toBe(false);
    expect(set.member('z')).toBe(false);
    set.check();
  });

  it('a bag gets every distinct object of the list, a duplicate_bag every object', () => {
    const bag = Ets.new('inm-bag', { type: 'bag' });
    expect(
      bag.insertNewMany([
        ['n', 1],
        ['n', 2],
        ['n', 1],
      ]),
    ).toBe(true);
    expect(bag.lookup('n')).toEqual([
      ['n', 1],
      ['n', 2],
    ]);
    const dup = Ets.new('inm-dup', { type: 'duplicate_bag' });
    expect(
      dup.insertNewMany([
        ['n', 1],
        ['n', 1],
      ]),
    ).toBe(true);
    expect(dup.lookup('n')).toEqual([
      ['n', 1],
      ['n', 1],
    ]);
    expect(
      dup.insertNewMany([
        ['m', 1],
        ['n', 1],
      ]),
    ).toBe(false);
    expect(dup.size).toBe(2);
    bag.check();
    dup.check();
  });
});

describe('updateCounter beyond what a number holds exactly', () => {
  it('a result past Number.MAX_SAFE_INTEGER is a BadArgError and the counter keeps its value', () => {
    const t = Ets.new('uc-range');
    t.insert(['c', Number.MAX_SAFE_INTEGER - 1, -Number.MAX_SAFE_INTEGER + 1]);
    expect(t.updateCounter('c', 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => t.updateCounter('c', 1)).toThrow(BadArgError);
    expect(() =>
      t.updateCounter('c', [
        { pos: 3, incr: -1 },
        { pos: 3, incr: -1 },
      ]),
    ).toThrow(BadArgError);
    expect(t.lookup('c')).toEqual([['c', Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER + 1]]);
    // Past the threshold the counter is reset, which a number holds.
    expect(t.updateCounter('c', { pos: 2, incr: 1, threshold: 10, setValue: 0 })).toBe(0);
  });

  it('threshold and setValue must be integers, as in ETS', () => {
    const t = Ets.new('uc-threshold');
    t.insert(['c', 5]);
    expect(() => t.updateCounter('c', { pos: 2, incr: 1, threshold: 5, setValue: 1.5 })).toThrow(BadArgError);
    expect(() => t.updateCounter('c', { pos: 2, incr: 1, threshold: 'x' as unknown as number, setValue: 0 })).toThrow(
      BadArgError,
    );
    expect(t.lookup('c')).toEqual([['c', 5]]);
  });
});

describe('match spec guards that raise in Erlang fail their clause', () => {
  const keysPassing = (guard: unknown): unknown[] => {
    const t = Ets.new('guards');
    try {
      t.insertMany([
        [1, 'one'],
        [2, 'two'],
      ]);
      return t.select([{ head: [$(1), _], guards: [guard], result: $(1) }] as MatchSpec).sort();
    } finally {
      Ets.delete(t);
    }
  };

  it('division by zero (/, div, rem) is badarith, not Infinity or NaN', () => {
    expect(keysPassing(['>', ['div', 10, ['-', $(1), 1]], 0])).toEqual([2]);
    expect(keysPassing(['>=', ['rem', 10, ['-', $(1), 1]], 0])).toEqual([2]);
    expect(keysPassing(['>', ['/', 1, ['-', $(1), 1]], 0])).toEqual([2]);
  });

  it('map_get of a key the map does not hold is badarg, even one its prototype has', () => {
    const t = Ets.new('map-get');
    t.insert(['m', { a: 1 }]);
    const passing = (guard: unknown): unknown[] =>
      t.select([{ head: [_, $(1)], guards: [guard], result: $(1) }] as MatchSpec);
    expect(passing(['=:=', ['map_get', 'a', $(1)], 1])).toEqual([{ a: 1 }]);
    expect(passing(['not', ['is_list', ['map_get', 'toString', $(1)]]])).toEqual([]);
    expect(passing(['not', ['is_list', ['map_get', 'constructor', $(1)]]])).toEqual([]);
  });

  it('div and rem take integers only', () => {
    expect(keysPassing(['=:=', ['div', 7.5, $(1)], 3])).toEqual([]);
    expect(keysPassing(['=:=', ['rem', 7, 2.5], 2])).toEqual([]);
    expect(keysPassing(['=:=', ['div', -7, $(1)], -3])).toEqual([2]);
  });

  it('boolean operators on non-booleans are badarg, even under not', () => {
    expect(keysPassing(['not', $(1)])).toEqual([]);
    expect(keysPassing(['not', ['and', $(1), true]])).toEqual([]);
    expect(keysPassing(['or', ['=:=', $(1), 1], 5])).toEqual([]);
    expect(keysPassing(['not', ['xor', $(1), false]])).toEqual([]);
    expect(keysPassing(['not', ['andalso', $(1), true]])).toEqual([]);
    expect(keysPassing(['not', ['orelse', ['=:=', $(1), 1], $(1)]])).toEqual([]);
    // The last operand of andalso/orelse is returned as it is, as in Erlang.
    expect(keysPassing(['andalso', ['=:=', $(1), 2], ['>', $(1), 0]])).toEqual([2]);
    expect(keysPassing(['orelse', ['=:=', $(1), 1], ['=:=', $(1), 2]])).toEqual([1, 2]);
    expect(keysPassing(['not', ['andalso', ['=:=', $(1), 1], false]])).toEqual([1, 2]);
  });
});

describe('select limit (ets:select/3)', () => {
  it('is a whole number of results: anything else is a BadArgError, not a rounded or ignored limit', () => {
    const t = Ets.new('limit');
    t.insertMany([[1], [2], [3]]);
    for (const limit of [NaN, 1.5, '2', -1])
      expect(() => t.select([{ head: _ }], { limit: limit as number })).toThrow(BadArgError);
    expect(() => t.select((o) => o[0] === 1, { limit: NaN })).toThrow(BadArgError);
    expect(t.select([{ head: _ }], { limit: 2 })).toHaveLength(2);
    expect(t.select([{ head: _ }], { limit: 0 })).toEqual([]);
    expect(t.select([{ head: _ }], { limit: Infinity })).toHaveLength(3);
  });
});
