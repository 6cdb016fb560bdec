import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareResults, formatComparison, GateError } from '../src/gate/compare';
import { loadReports, resultSet } from '../src/harness/results';
import type { Report, ResultRow } from '../src/harness/types';

const rate = (name: string, ours: number, peer: number, p99?: [number, number]): ResultRow => ({
  name,
  unit: 'requests/s',
  ours,
  peer: 'peer',
  peerValue: peer,
  ratio: ours / peer,
  size: 1,
  runs: 3,
  ...(p99 === undefined ? {} : { oursP50Us: p99[0] / 2, oursP99Us: p99[0], peerP50Us: p99[1] / 2, peerP99Us: p99[1] }),
});
// Written before rows carried lowerIsBetter: the gate reads it from the ratio's direction.
const memory = (name: string, ours: number, peer: number): ResultRow => ({
  name,
  unit: 'RSS bytes/session',
  ours,
  peer: 'peer',
  peerValue: peer,
  ratio: peer / ours,
  size: 1,
  runs: 3,
});
const report = (category: string, results: ResultRow[], smoke = false): Report => ({
  category,
  date: '2026-12-06T20:00:00.000Z',
  node: 'v20',
  cpu: 'cpu x2',
  smoke,
  results,
});

const baseline = [
  report('mcp', [rate('http', 15_000, 3_000, [13_000, 37_000]), memory('session_memory', 4_400, 44_000)]),
  report('otp', [rate('cast', 6e6, 2.5e5)]),
];

/** The baseline with one row's figures replaced. */
function doctored(category: string, name: string, change: Partial<ResultRow>): Report[] {
  return baseline.map((r) =>
    r.category !== category
      ? r
      : { ...r, results: r.results.map((row) => (row.name !== name ? row : { ...row, ...change })) },
  );
}

describe('the regression gate', () => {
  test('passes the baseline against itself, and ratios that moved within the thresholds', () => {
    expect(compareResults(baseline, baseline).passed).toBe(true);
    // A machine twice as slow halves both sides: the ratio holds, the gate passes.
    const slower = doctored('mcp', 'http', { ours: 7_500, peerValue: 1_500 });
    // Throughput ratio down 9%, p99 ratio up 19%, memory ratio up 29%: all inside.
    const within = [
      report('mcp', [
        { ...baseline[0]!.results[0]!, ratio: 5 * 0.91, oursP99Us: 13_000 * 1.19 },
        { ...baseline[0]!.results[1]!, ratio: 10 / 1.29 },
      ]),
      baseline[1]!,
    ];
    expect(compareResults(baseline, slower).passed).toBe(true);
    const result = compareResults(baseline, within);
    expect(result.passed).toBe(true);
    expect(result.checks.map((c) => c.kind).sort()).toEqual(['memory', 'p99', 'throughput', 'throughput']);
  });

  test('fails when a throughput ratio falls by more than 10%', () => {
    const result = compareResults(baseline, doctored('otp', 'cast', { ratio: 24 * 0.89 }));
    expect(result.passed).toBe(false);
    expect(result.checks.filter((c) => c.failed)).toEqual([
      expect.objectContaining({ category: 'otp', row: 'cast', kind: 'throughput' }),
    ]);
    expect(result.checks.find((c) => c.failed)!.change).toBeCloseTo(-0.11, 5);
  });

  test('fails when a p99 ratio rises by more than 20%, even with throughput unchanged', () => {
    const result = compareResults(baseline, doctored('mcp', 'http', { oursP99Us: 13_000 * 1.21 }));
    expect(result.passed).toBe(false);
    expect(result.checks.filter((c) => c.failed).map((c) => `${c.row}:${c.kind}`)).toEqual(['http:p99']);
  });

  test('fails when a memory ratio rises by more than 30%', () => {
    // ours 4,400 -> 5,800 bytes/session against the same peer: ours/peer up 31.8%.
    const result = compareResults(baseline, doctored('mcp', 'session_memory', { ours: 5_800, ratio: 44_000 / 5_800 }));
    expect(result.passed).toBe(false);
    expect(result.checks.filter((c) => c.failed)).toEqual([
      expect.objectContaining({ row: 'session_memory', kind: 'memory' }),
    ]);
  });

  test('fails on a baseline row or category missing from the current results, lists new rows without gating them', () => {
    const withoutRow = baseline.map((r) =>
      r.category === 'mcp' ? { ...r, results: [...r.results.slice(1), rate('new_row', 1, 1)] } : r,
    );
    const result = compareResults(baseline, withoutRow);
    expect(result.passed).toBe(false);
    expect(result.missing).toEqual(['mcp/http']);
    expect(result.added).toEqual(['mcp/new_row']);
    expect(compareResults(baseline, [baseline[0]!]).missing).toEqual(['otp/cast']);
    expect(formatComparison(result)).toMatch(/^regression gate: FAIL[\s\S]*FAIL mcp\/http/);
  });

  test('does not gate a ratio that is not a finite number; refuses smoke against full results', () => {
    const nan = doctored('otp', 'cast', { ratio: null as unknown as number });
    const result = compareResults(baseline, nan);
    expect(result.passed).toBe(true);
    expect(result.skipped).toEqual(['otp/cast (throughput)']);
    expect(() => compareResults(baseline, [report('otp', [rate('cast', 1, 1)], true)])).toThrow(GateError);
  });
});

describe('the committed baseline', () => {
  test('loads, and passes against the committed results it was built from', () => {
    const committed = loadReports(path.join(__dirname, '..', 'baseline.json'));
    expect(committed.length).toBeGreaterThan(5);
    const result = compareResults(committed, loadReports(path.join(__dirname, '..', 'results')));
    expect(result.missing).toEqual([]);
    expect(result.passed).toBe(true);
  });
});

describe('`compare` on the command line (what `erlmcp bench` relies on)', () => {
  const runJs = path.join(__dirname, '..', 'dist', 'run.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-gate-'));
  const write = (name: string, reports: Report[]): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(resultSet(reports)));
    return file;
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('exits 0 on a pass, 1 on a regression, 2 on unreadable input', () => {
    const base = write('base.json', baseline);
    expect(execFileSync(process.execPath, [runJs, 'compare', base, base], { encoding: 'utf8' })).toMatch(
      /regression gate: PASS/,
    );
    const regressed = spawnSync(
      process.execPath,
      [runJs, 'compare', base, write('bad.json', doctored('otp', 'cast', { ours: 3e6, ratio: 3e6 / 2.5e5 }))],
      { encoding: 'utf8' },
    );
    expect(regressed.status).toBe(1);
    expect(regressed.stdout).toMatch(/FAIL otp\/cast throughput/);
    const unreadable = spawnSync(process.execPath, [runJs, 'compare', path.join(dir, 'none.json')], {
      encoding: 'utf8',
    });
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toMatch(/no such file/);
  });
});
