import fs from 'node:fs';
import path from 'node:path';
import type { Report, ResultRow } from './types';

export const resultsDir = path.resolve(__dirname, '..', '..', 'results');

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
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
  const lines = [
    `Measured ${report.date.slice(0, 10)} on ${report.cpu}, Node ${report.node}; ours and the peer in the same run (median of ${report.results[0]?.runs ?? 0} runs each).`,
    '',
    '| benchmark | unit | ours | peer | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...report.results.map((r: ResultRow) => {
      const met = r.target === undefined ? '' : r.ratio >= r.target ? 'yes' : 'no';
      return `| ${r.name} | ${r.unit} | ${fmt(r.ours)}${latency(r.oursP50Us, r.oursP99Us)}${took(r.oursMs)} | ${r.peer}: ${fmt(r.peerValue)}${latency(r.peerP50Us, r.peerP99Us)}${took(r.peerMs)} | ${r.ratio.toFixed(2)} | ${r.target === undefined ? '' : `≥ ${r.target}`} | ${met} |`;
    }),
  ];
  return lines.join('\n');
}

export function writeReport(report: Report): string {
  const dir = report.smoke ? path.join(resultsDir, 'smoke') : resultsDir;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.category}.json`);
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
