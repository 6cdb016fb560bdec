import { MIXED, type MixedRows, rowNames, runsOf } from '../src/harness/modes';
import type { Category, Scenario } from '../src/harness/types';

const scenario = (name: string, mixed?: 'child' | 'server'): Scenario => ({
  name,
  unit: 'ops/s',
  size: { full: 10, smoke: 1 },
  ...(mixed === undefined ? {} : { mixed }),
  ours: async () => ({ value: 1 }),
  peer: async () => ({ value: 1 }),
});

const category: Category = {
  name: 'c',
  peer: 'p',
  readme: '/nowhere',
  scenarios: [scenario('a', 'child'), scenario('b'), scenario('c', 'server')],
};
const planned = (only: string[] | undefined, mixedRows: MixedRows = 'all') =>
  runsOf(category, only === undefined ? undefined : new Set(only), mixedRows).map(
    (r) => r.scenario.name + (r.mixed ? MIXED : ''),
  );

test('a scenario marked mixed has its mixed row right after its own', () => {
  expect(rowNames(category)).toEqual(['a', 'a_mixed', 'b', 'c', 'c_mixed']);
  expect(planned(undefined)).toEqual(['a', 'a_mixed', 'b', 'c', 'c_mixed']);
});

test('--only names rows: a scenario selects both modes, <name>_mixed the mixed one alone', () => {
  expect(planned(['a'])).toEqual(['a', 'a_mixed']);
  expect(planned(['a_mixed', 'b'])).toEqual(['a_mixed', 'b']);
  expect(planned(['b_mixed'])).toEqual([]);
});

test('--no-mixed leaves the mixed rows out', () => {
  expect(planned(undefined, 'none')).toEqual(['a', 'b', 'c']);
  expect(planned(['a_mixed'], 'none')).toEqual([]);
});

test('the smoke run measures only the first mixed row of a category, unless --only names another', () => {
  expect(planned(undefined, 'first')).toEqual(['a', 'a_mixed', 'b', 'c']);
  expect(planned(['c'], 'first')).toEqual(['c']);
  expect(planned(['c_mixed'], 'first')).toEqual(['c_mixed']);
});
