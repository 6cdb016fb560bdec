import { mergeReport, renderTable } from '../src/harness/report';
import type { Report, ResultRow } from '../src/harness/types';

const row = (name: string, ours: number): ResultRow => ({
  name,
  unit: 'ms',
  ours,
  peer: 'p',
  peerValue: 2 * ours,
  ratio: 2,
  size: 1,
  runs: 3,
});
const report = (date: string, rows: ResultRow[], cpu = 'cpu x2'): Report => ({
  category: 'c',
  date,
  node: 'v20',
  cpu,
  smoke: false,
  results: rows,
});

describe('a run of some scenarios (--only) over the last report', () => {
  test('replaces their rows, keeps the others with the date they were measured, in the category order', () => {
    const previous = report('2026-11-27T09:00:00.000Z', [row('a', 1), row('b', 2)]);
    const fresh = report('2026-12-06T18:00:00.000Z', [row('c', 3), row('b', 4)]);
    const merged = mergeReport(previous, fresh, ['a', 'b', 'c']);
    expect(merged.date).toBe(fresh.date);
    expect(merged.results).toEqual([{ ...row('a', 1), date: previous.date }, row('b', 4), row('c', 3)]);
    const table = renderTable(merged);
    expect(table).toMatch(/^Measured 2026-12-06 \(a row with a date: on that date, in an earlier run\)/);
    expect(table).toContain('| a (2026-11-27) | ms |');
    expect(table).toContain('| b | ms |');
    // A row kept twice keeps its first date.
    expect(
      mergeReport(merged, report('2026-12-07T00:00:00.000Z', [row('c', 5)]), ['a', 'b', 'c']).results[0].date,
    ).toBe(previous.date);
  });

  test('refuses to put rows from another machine in one table', () => {
    expect(() =>
      mergeReport(report('2026-11-27', [row('a', 1)], 'other x8'), report('2026-12-06', [row('b', 1)]), ['a', 'b']),
    ).toThrow(/run the whole category/);
  });

  test('a whole run renders as before: no dates in the names', () => {
    expect(renderTable(report('2026-12-06T18:00:00.000Z', [row('a', 1)]))).toMatch(
      /^Measured 2026-12-06 on cpu x2, Node v20; ours and the peer in the same run \(median of 3 runs each\)\./,
    );
  });
});
