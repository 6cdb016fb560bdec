/**
 * npm run bench [-- <category>...] [--smoke] [--runs N] [--only <scenario>[,<scenario>...]]
 *
 * Runs each scenario of each category in fresh child processes, ours and the
 * peer alternating, and reports the median. Writes
 * benchmarks/results/<category>.json and the table in the package README
 * (smoke runs write to results/smoke/ and leave READMEs alone).
 *
 * --only runs the named scenarios and keeps the category's other rows from its
 * last report, each with the date it was measured (the table shows that date).
 */
import { categories } from './categories';
import { measureInChild, type Side } from './harness/child';
import { environment } from './harness/environment';
import { mergeReport, readReport, renderTable, updateReadme, writeReport } from './harness/report';
import { median } from './harness/stats';
import type { Category, Measurement, Report, ResultRow, Scenario } from './harness/types';

async function childMain(args: string[]): Promise<void> {
  const [categoryName, scenarioName, side, size] = args;
  const scenario = categories.find((c) => c.name === categoryName)?.scenarios.find((s) => s.name === scenarioName);
  if (scenario === undefined) throw new Error(`unknown scenario ${categoryName}/${scenarioName}`);
  const run = side === 'ours' ? scenario.ours : scenario.peer;
  // Both sides get the same untimed warm-up, so the JIT has compiled the hot paths of each.
  if (scenario.lowerIsBetter !== true) await run(Math.max(1, Math.floor(Number(size) / 10)));
  const measurement = await run(Number(size));
  process.send!({ ok: measurement });
}

/** The median of each detail figure over the runs that reported it. */
function detailOf(ms: Measurement[]): Record<string, number> | undefined {
  const keys = new Set(ms.flatMap((m) => Object.keys(m.detail ?? {})));
  if (keys.size === 0) return undefined;
  return Object.fromEntries([...keys].map((k) => [k, median(ms.map((m) => m.detail?.[k]).filter((v): v is number => v !== undefined))]));
}

function medianOf(ms: Measurement[], key: 'p50Us' | 'p99Us' | 'ms'): number | undefined {
  const values = ms.map((m) => m[key]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : median(values);
}

async function runScenario(category: Category, scenario: Scenario, smoke: boolean, runs: number): Promise<ResultRow> {
  const size = smoke ? scenario.size.smoke : scenario.size.full;
  if (!smoke && scenario.maxRuns !== undefined) runs = Math.min(runs, scenario.maxRuns);
  const results: Record<Side, Measurement[]> = { ours: [], peer: [] };
  for (let i = 0; i < runs; i++) {
    for (const side of (i % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours']) as Side[]) {
      results[side].push(await measureInChild(__filename, category.name, scenario.name, side, size));
    }
  }
  const ours = median(results.ours.map((m) => m.value));
  const peerValue = median(results.peer.map((m) => m.value));
  const row: ResultRow = {
    name: scenario.name,
    unit: scenario.unit,
    ours,
    peer: scenario.peerLabel ?? category.peer,
    peerValue,
    ratio: scenario.lowerIsBetter === true ? peerValue / ours : ours / peerValue,
    target: scenario.target,
    size,
    runs,
    oursP50Us: medianOf(results.ours, 'p50Us'),
    oursP99Us: medianOf(results.ours, 'p99Us'),
    peerP50Us: medianOf(results.peer, 'p50Us'),
    peerP99Us: medianOf(results.peer, 'p99Us'),
    ...(scenario.note === undefined ? {} : { note: scenario.note(ours, peerValue, results.ours[0]?.detail ?? {}, results.peer[0]?.detail ?? {}) }),
    oursMs: medianOf(results.ours, 'ms'),
    peerMs: medianOf(results.peer, 'ms'),
    oursDetail: detailOf(results.ours),
    peerDetail: detailOf(results.peer),
  };
  return row;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return childMain(argv.slice(1));
  const smoke = argv.includes('--smoke');
  const runsFlag = argv.indexOf('--runs');
  const runs = runsFlag >= 0 ? Number(argv[runsFlag + 1]) : smoke ? 1 : 3;
  const onlyFlag = argv.indexOf('--only');
  const only = onlyFlag >= 0 ? new Set(argv[onlyFlag + 1]?.split(',') ?? []) : undefined;
  const wanted = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--runs' && argv[i - 1] !== '--only');
  const unknown = wanted.filter((w) => !categories.some((c) => c.name === w));
  if (unknown.length > 0) throw new Error(`unknown category: ${unknown.join(', ')} (have: ${categories.map((c) => c.name).join(', ')})`);
  const selected = wanted.length === 0 ? categories : categories.filter((c) => wanted.includes(c.name));
  if (only !== undefined) {
    const known = new Set(selected.flatMap((c) => c.scenarios.map((s) => s.name)));
    const missing = [...only].filter((name) => !known.has(name));
    if (only.size === 0 || missing.length > 0) throw new Error(`--only: unknown scenario ${missing.join(', ') || '(none given)'}`);
  }
  for (const category of selected) {
    const scenarios = only === undefined ? category.scenarios : category.scenarios.filter((s) => only.has(s.name));
    if (scenarios.length === 0) continue;
    console.log(`\n== ${category.name} (peer: ${category.peer}${smoke ? ', smoke' : ''}) ==`);
    const rows: ResultRow[] = [];
    for (const scenario of scenarios) {
      process.stdout.write(`  ${scenario.name} ... `);
      const row = await runScenario(category, scenario, smoke, runs);
      rows.push(row);
      console.log(`ours ${row.ours.toFixed(0)} vs ${row.peerValue.toFixed(0)} ${row.unit}: ratio ${row.ratio.toFixed(2)}${row.target ? ` (target ${row.target})` : ''}`);
    }
    const fresh: Report = { category: category.name, ...environment(), smoke, results: rows };
    const previous = only === undefined ? undefined : readReport(category.name, smoke);
    const report = previous === undefined ? fresh : mergeReport(previous, fresh, category.scenarios.map((s) => s.name));
    console.log(`  wrote ${writeReport(report)}`);
    if (!smoke && updateReadme(category.readme, report)) console.log(`  updated ${category.readme}`);
    if (smoke) console.log('\n' + renderTable(report));
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
