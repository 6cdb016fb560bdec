/**
 * npm run bench [-- <category>...] [--smoke] [--runs N] [--only <scenario>[,<scenario>...]] [--compare <baseline.json>]
 * npm run bench -- report [<results>]                 the HTML report from existing results
 * npm run bench -- compare <baseline.json> [<current>] the regression gate alone
 * npm run bench -- baseline [<out.json>]              bundles the results into a baseline
 * npm run bench -- project --connections N [...]      the scaling projection (see project/cli.ts)
 * npm run bench -- chaos [--smoke]                     faults under load (see chaos/command.ts)
 * npm run bench -- fuzz [--smoke] [--frames N]         hostile frames at every transport (see fuzz/command.ts)
 *
 * Runs each scenario of each category in fresh child processes, ours and the peer
 * alternating, and reports the median. Writes benchmarks/results/<category>.json, the table
 * in the package README and results/report.html (smoke runs write to results/smoke/, leave
 * READMEs alone, and also run the projection so its code cannot rot).
 *
 * --only runs the named scenarios and keeps the category's other rows from its last report,
 * each with the date it was measured (the table shows that date).
 *
 * A scenario marked `mixed` is measured twice: alone in its child process (`<name>`), and in
 * the mixed mode (`<name>_mixed`), where the child first loads and exercises a realistic
 * application (harness/mixed/app.ts). `--only call` runs both, `--only call_mixed` the
 * mixed one alone; `--no-mixed` skips every mixed row (kept from the last report).
 *
 * Exit codes: 0 done (gate passed); 1 a regression (gate failed) or a benchmark failed;
 * 2 bad usage or unreadable results.
 */
import path from 'node:path';
import { categories } from './categories';
import { compareResults, formatComparison, GateError } from './gate/compare';
import { measureInChild, type Side } from './harness/child';
import { environment } from './harness/environment';
import { Progress } from './harness/progress';
import { mergeReport, readReport, renderTable, resultsDir, updateReadme, writeReport } from './harness/report';
import { loadReports, ResultsError } from './harness/results';
import { median } from './harness/stats';
import type { Category, Measurement, Report, ResultRow, Scenario } from './harness/types';
import { writeHtmlReport } from './html/write';
import { projectCommand, ProjectionError } from './project/cli';
import { chaosCommand } from './chaos/command';
import { fuzzCommand } from './fuzz/command';
import { writeBaseline } from './gate/baseline';
import { MIXED, type MixedRows, rowNames, runsOf } from './harness/modes';

/** What a benchmark child runs: one scenario's side, with only its category loaded. */
const CHILD_ENTRY = path.join(__dirname, 'child-main.js');

/** Bad arguments: exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The median of each keyed figure over the runs that reported it. */
function mediansOf(records: Array<Record<string, number> | undefined>): Record<string, number> | undefined {
  const keys = new Set(records.flatMap((r) => Object.keys(r ?? {})));
  if (keys.size === 0) return undefined;
  return Object.fromEntries(
    [...keys].map((k) => [k, median(records.map((r) => r?.[k]).filter((v): v is number => v !== undefined))]),
  );
}

function medianOf(ms: Measurement[], key: 'p50Us' | 'p99Us' | 'ms'): number | undefined {
  const values = ms.map((m) => m[key]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : median(values);
}

async function runScenario(
  category: Category,
  scenario: Scenario,
  smoke: boolean,
  runs: number,
  progress: Progress,
  mixed: boolean,
): Promise<ResultRow> {
  const size = smoke ? scenario.size.smoke : scenario.size.full;
  if (!smoke && scenario.maxRuns !== undefined) runs = Math.min(runs, scenario.maxRuns);
  const name = mixed ? scenario.name + MIXED : scenario.name;
  const results: Record<Side, Measurement[]> = { ours: [], peer: [] };
  // A claim is a published figure: only our side runs.
  const sides: Side[] = scenario.claim === undefined ? ['ours', 'peer'] : ['ours'];
  progress.startScenario(name, scenario.paired === undefined ? runs * sides.length : runs);
  for (let i = 0; i < runs && scenario.paired !== undefined; i++) {
    progress.step(`run ${i + 1}/${runs} paired`, runs);
    const pair = await measureInChild<{ ours: Measurement; peer: Measurement }>(
      CHILD_ENTRY,
      category.name,
      scenario.name,
      'paired',
      size,
      scenario.runtime?.ours, // both sides run in this one child: it takes our side's flags
      mixed,
    );
    results.ours.push(pair.ours);
    results.peer.push(pair.peer);
  }
  for (let i = 0; i < runs && scenario.paired === undefined; i++) {
    for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
      progress.step(`run ${i + 1}/${runs} ${side}`, runs * sides.length);
      results[side].push(
        await measureInChild(CHILD_ENTRY, category.name, scenario.name, side, size, scenario.runtime?.[side], mixed),
      );
    }
  }
  progress.endScenario();
  const ours = median(results.ours.map((m) => m.value));
  const peerValue = scenario.claim?.value ?? median(results.peer.map((m) => m.value));
  return {
    name,
    ...(mixed ? { mixed: true as const } : {}),
    ...(scenario.claim === undefined ? {} : { claimed: true as const }),
    unit: scenario.unit,
    ours,
    peer: scenario.claim?.label ?? scenario.peerLabel ?? category.peer,
    peerValue,
    ratio: scenario.lowerIsBetter === true ? peerValue / ours : ours / peerValue,
    ...(scenario.lowerIsBetter === true ? { lowerIsBetter: true } : {}),
    target: scenario.target,
    size,
    runs,
    oursP50Us: medianOf(results.ours, 'p50Us'),
    oursP99Us: medianOf(results.ours, 'p99Us'),
    peerP50Us: medianOf(results.peer, 'p50Us'),
    peerP99Us: medianOf(results.peer, 'p99Us'),
    ...(scenario.note === undefined
      ? {}
      : { note: scenario.note(ours, peerValue, results.ours[0]?.detail ?? {}, results.peer[0]?.detail ?? {}) }),
    oursMs: medianOf(results.ours, 'ms'),
    peerMs: medianOf(results.peer, 'ms'),
    oursDetail: mediansOf(results.ours.map((m) => m.detail)),
    peerDetail: mediansOf(results.peer.map((m) => m.detail)),
    oursPercentilesUs: mediansOf(results.ours.map((m) => m.percentilesUs)),
    peerPercentilesUs: mediansOf(results.peer.map((m) => m.percentilesUs)),
    ...(scenario.runtime === undefined ? {} : { runtime: scenario.runtime }),
  };
}

/** The value after `flag`, if the flag is given; a flag given without one is a usage error. */
function flagValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return value;
}

const VALUE_FLAGS = new Set(['--runs', '--only', '--compare']);

/** Runs the gate; true when it passed. */
function gate(baselineFile: string, current: string): boolean {
  const comparison = compareResults(loadReports(baselineFile), loadReports(current));
  console.log(formatComparison(comparison));
  return comparison.passed;
}

async function runBenchmarks(argv: string[]): Promise<number> {
  const smoke = argv.includes('--smoke');
  // A smoke run measures one mixed row per category: the mixed application's start is most of a
  // mixed child's time, and one row keeps that code from rotting.
  const mixedRows: MixedRows = argv.includes('--no-mixed') ? 'none' : smoke ? 'first' : 'all';
  const runsFlag = flagValue(argv, '--runs');
  const runs = runsFlag !== undefined ? Number(runsFlag) : smoke ? 1 : 3;
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs: ${runsFlag} is not a positive integer`);
  const onlyFlag = flagValue(argv, '--only');
  const only = onlyFlag === undefined ? undefined : new Set(onlyFlag.split(',').filter((s) => s !== ''));
  const baseline = flagValue(argv, '--compare');
  const wanted = argv.filter((a, i) => !a.startsWith('--') && !VALUE_FLAGS.has(argv[i - 1] ?? ''));
  const unknown = wanted.filter((w) => !categories.some((c) => c.name === w));
  if (unknown.length > 0)
    throw new UsageError(`unknown category: ${unknown.join(', ')} (have: ${categories.map((c) => c.name).join(', ')})`);
  const selected = wanted.length === 0 ? categories : categories.filter((c) => wanted.includes(c.name));
  if (only !== undefined) {
    const known = new Set(selected.flatMap(rowNames));
    const missing = [...only].filter((name) => !known.has(name));
    if (only.size === 0 || missing.length > 0)
      throw new UsageError(`--only: unknown scenario ${missing.join(', ') || '(none given)'}`);
  }
  const progress = new Progress();
  try {
    for (const category of selected) {
      const planned = runsOf(category, only, mixedRows);
      if (planned.length === 0) continue;
      progress.startCategory(category.name, planned.length);
      progress.log(`\n== ${category.name} (peer: ${category.peer}${smoke ? ', smoke' : ''}) ==`);
      const rows: ResultRow[] = [];
      for (const { scenario, mixed } of planned) {
        const row = await runScenario(category, scenario, smoke, runs, progress, mixed);
        rows.push(row);
        progress.log(
          `  ${row.name}: ours ${row.ours.toFixed(0)} vs ${row.peerValue.toFixed(0)} ${row.unit}: ratio ${row.ratio.toFixed(2)}${row.target ? ` (target ${row.target})` : ''}`,
        );
      }
      progress.endCategory();
      const fresh: Report = { category: category.name, ...environment(), smoke, results: rows };
      const partial = only !== undefined || mixedRows !== 'all';
      const previous = partial ? readReport(category.name, smoke) : undefined;
      const report = previous === undefined ? fresh : mergeReport(previous, fresh, rowNames(category));
      progress.log(`  wrote ${writeReport(report)}`);
      if (!smoke && updateReadme(category.readme, report)) progress.log(`  updated ${category.readme}`);
      if (smoke) progress.log('\n' + renderTable(report));
    }
  } finally {
    progress.stop();
  }
  const dir = smoke ? path.join(resultsDir, 'smoke') : resultsDir;
  console.log(`\nwrote ${writeHtmlReport(dir)}`);
  if (smoke) {
    // So the projection cannot rot: on the committed full results, since smoke sizes measure
    // nothing a projection could use (a 50-request step's p99 is the JIT's).
    for (const connections of ['50K', '500K', '5M']) await projectCommand(['--connections', connections]);
    // The chaos and fuzz runs are commands, not ours-against-a-peer categories: their smoke runs here.
    if (wanted.length === 0) {
      if ((await chaosCommand(['--smoke'])) !== 0) return 1;
      if ((await fuzzCommand(['--smoke'])) !== 0) return 1;
    }
  }
  if (baseline !== undefined && !gate(baseline, dir)) return 1;
  return 0;
}

async function main(argv: string[]): Promise<number> {
  switch (argv[0]) {
    case 'report': {
      console.log(`wrote ${writeHtmlReport(argv[1] ?? resultsDir)}`);
      return 0;
    }
    case 'compare': {
      if (argv[1] === undefined)
        throw new UsageError('usage: compare <baseline.json> [<current results: a directory or a file>]');
      return gate(argv[1], argv[2] ?? resultsDir) ? 0 : 1;
    }
    case 'baseline': {
      console.log(`wrote ${writeBaseline(argv[1])}`);
      return 0;
    }
    case 'project':
      return projectCommand(argv.slice(1));
    case 'chaos':
      return chaosCommand(argv.slice(1));
    case 'fuzz':
      return fuzzCommand(argv.slice(1));
    default:
      return runBenchmarks(argv);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError ||
      error instanceof ResultsError ||
      error instanceof GateError ||
      error instanceof ProjectionError;
    console.error(usage ? `bench: ${(error as Error).message}` : error);
    process.exit(usage ? 2 : 1);
  },
);
