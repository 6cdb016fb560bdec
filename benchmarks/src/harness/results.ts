import fs from 'node:fs';
import path from 'node:path';
import { resultsDir } from './report';
import type { Report, ResultRow } from './types';

/** A file bundling every category's report: what `npm run bench -- baseline` writes. */
export interface ResultSet {
  kind: 'erlmcp-bench-results';
  created: string;
  reports: Report[];
}

/** A results file, directory or set could not be read as benchmark results. */
export class ResultsError extends Error {
  override readonly name = 'ResultsError';
}

function isReport(value: unknown): value is Report {
  const r = value as Partial<Report> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.category === 'string' &&
    typeof r.date === 'string' &&
    Array.isArray(r.results)
  );
}

function parse(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ResultsError(`${file}: ${(error as Error).message}`);
  }
}

/**
 * The reports at `where`: a results directory (each <category>.json in it), a result set
 * (a baseline), or one category's report. Defaults to benchmarks/results.
 */
export function loadReports(where: string = resultsDir): Report[] {
  if (!fs.existsSync(where)) throw new ResultsError(`${where}: no such file or directory`);
  if (fs.statSync(where).isDirectory()) {
    const files = fs
      .readdirSync(where)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const reports = files.map((f) => parse(path.join(where, f))).filter(isReport);
    if (reports.length === 0) throw new ResultsError(`${where}: no benchmark reports in it`);
    return reports;
  }
  const value = parse(where);
  if (isReport(value)) return [value];
  const set = value as Partial<ResultSet> | null;
  if (set?.kind === 'erlmcp-bench-results' && Array.isArray(set.reports) && set.reports.every(isReport))
    return set.reports;
  throw new ResultsError(`${where}: neither a benchmark report nor a result set`);
}

export function resultSet(reports: Report[], created = new Date().toISOString()): ResultSet {
  return { kind: 'erlmcp-bench-results', created, reports };
}

/**
 * Whether smaller is better for this row (memory, time), so its ratio is peer / ours. Rows
 * written before the field existed say it through their ratio, which is one or the other.
 */
export function lowerIsBetter(row: ResultRow): boolean {
  if (row.lowerIsBetter !== undefined) return row.lowerIsBetter;
  return Math.abs(row.ratio - row.peerValue / row.ours) < Math.abs(row.ratio - row.ours / row.peerValue);
}

/** When a row was measured: its own date (kept by --only), else its report's. */
export function measuredOn(report: Report, row: ResultRow): string {
  return row.date ?? report.date;
}
