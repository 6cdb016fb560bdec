import fs from 'node:fs';
import path from 'node:path';
import type { Report, ResultRow } from './types';

export const resultsDir = path.resolve(__dirname, '..', '..', 'results');

/** A figure as the tables print it (1.23M, 45.6K); JSON has no NaN, so a 0/0 ratio reads back as null. */
export function fmt(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (Math.abs(value) >= 1e4) return `${(value / 1e3).toFixed(1)}K`;
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function latency(p50?: number, p99?: number): string {
  return p50 === undefined ? '' : ` (p50 ${p50.toFixed(1)} µs, p99 ${p99!.toFixed(1)} µs)`;
}

function took(ms?: number): string {
  return ms === undefined ? '' : ` (${ms >= 100 ? ms.toFixed(0) : ms.toFixed(2)} ms)`;
}

/** The markdown table that goes into a package README. */
export function renderTable(report: Report): string {
  const runs = [...new Set(report.results.map((r) => r.runs))].join(' or ');
  const earlier = report.results.some((r) => r.date !== undefined);
  const lines = [
    `Measured ${report.date.slice(0, 10)}${earlier ? ' (a row with a date: on that date, in an earlier run)' : ''} on ${report.cpu}, Node ${report.node}; ours and the peer in the same run (median of ${runs} runs each).`,
    '',
    '| benchmark | unit | ours | peer | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...report.results.map((r: ResultRow) => {
      const met = r.target === undefined ? '' : r.ratio >= r.target ? 'yes' : 'no';
      return `| ${r.name}${r.date === undefined ? '' : ` (${r.date.slice(0, 10)})`} | ${r.unit} | ${fmt(r.ours)}${latency(r.oursP50Us, r.oursP99Us)}${took(r.oursMs)} | ${r.peer}: ${fmt(r.peerValue)}${latency(r.peerP50Us, r.peerP99Us)}${took(r.peerMs)} | ${r.ratio === null || !Number.isFinite(r.ratio) ? 'n/a' : r.ratio.toFixed(2)} | ${r.target === undefined ? '' : `≥ ${r.target}`} | ${met} |`;
    }),
  ];
  const notes = report.results.filter((r) => r.note !== undefined).map((r) => `- ${r.name}: ${r.note}`);
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}

function reportFile(category: string, smoke: boolean): string {
  return path.join(smoke ? path.join(resultsDir, 'smoke') : resultsDir, `${category}.json`);
}

/** The last report written for a category, if there is one. */
export function readReport(category: string, smoke: boolean): Report | undefined {
  const file = reportFile(category, smoke);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Report) : undefined;
}

/**
 * A run of some scenarios (`fresh`) over the category's last report: its rows replace theirs,
 * the others stay with the date they were measured, all in `order`. Rows measured on another
 * machine or Node cannot share a table: that is an error (run the whole category).
 */
export function mergeReport(previous: Report, fresh: Report, order: string[]): Report {
  if (previous.cpu !== fresh.cpu || previous.node !== fresh.node) {
    throw new Error(
      `the last ${fresh.category} report was measured on ${previous.cpu}, Node ${previous.node}: run the whole category`,
    );
  }
  const rows = new Map<string, ResultRow>();
  for (const row of previous.results) rows.set(row.name, { ...row, date: row.date ?? previous.date });
  for (const row of fresh.results) rows.set(row.name, row);
  const results = order.filter((name) => rows.has(name)).map((name) => rows.get(name)!);
  return { ...fresh, results };
}

export function writeReport(report: Report): string {
  const file = reportFile(report.category, report.smoke);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

/** Replaces the README section between the bench markers of this category. */
export function updateReadme(readmePath: string, report: Report): boolean {
  if (!fs.existsSync(readmePath)) return false;
  const start = `<!-- bench:${report.category}:start -->`;
  const end = `<!-- bench:${report.category}:end -->`;
  const text = fs.readFileSync(readmePath, 'utf8');
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return false;
  fs.writeFileSync(readmePath, text.slice(0, i + start.length) + '\n' + renderTable(report) + '\n' + text.slice(j));
  return true;
}
