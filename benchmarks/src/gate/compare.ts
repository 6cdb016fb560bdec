/**
 * The regression gate: this run's ratios (ours / peer, measured in one run) against a
 * baseline's. Ratios, not absolute figures, so a slower or busier machine does not fail it;
 * only ours losing ground on the peer does.
 *
 *   throughput  ours / peer falls by more than 10%        (rates: higher is better)
 *   p99         ours / peer p99 rises by more than 20%     (rows with latency percentiles,
 *                                                            and rows that time one operation)
 *   memory      ours / peer bytes rise by more than 30%    (rows in bytes)
 *   cost        other lower-is-better rows (tokens, writes): their ratio falls by more than 10%
 *
 * A baseline row missing from the current results fails too: a scenario that stopped
 * running must not pass by absence. Rows only in the current results are listed as new.
 */
import { lowerIsBetter } from '../harness/results';
import type { Report, ResultRow } from '../harness/types';

export type CheckKind = 'throughput' | 'p99' | 'memory' | 'cost';

export interface Thresholds {
  /** Largest allowed fall of a throughput ratio (0.10: 10%). */
  throughputFall: number;
  /** Largest allowed rise of a p99 ratio. */
  p99Rise: number;
  /** Largest allowed rise of a memory ratio. */
  memoryRise: number;
}

export const defaultThresholds: Thresholds = { throughputFall: 0.1, p99Rise: 0.2, memoryRise: 0.3 };

export interface Check {
  category: string;
  row: string;
  kind: CheckKind;
  /** The compared ratio, in the direction its threshold reads: ours / peer. */
  baseline: number;
  current: number;
  /** current / baseline - 1: negative is a fall. */
  change: number;
  failed: boolean;
}

export interface Comparison {
  checks: Check[];
  /** Baseline rows (category/row) the current results do not have. */
  missing: string[];
  /** Current rows the baseline does not have: not gated. */
  added: string[];
  /** Rows whose ratio is not a finite positive number on one side: not gated, listed. */
  skipped: string[];
  passed: boolean;
}

/** The baseline and the current results were measured in ways that cannot be compared. */
export class GateError extends Error {
  override readonly name = 'GateError';
}

const TIME_UNIT = /^(ms|µs|us|s)\b/;

function usable(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/** The checks one row takes, each with its ratio as ours / peer. */
function ratiosOf(row: ResultRow): Array<{ kind: CheckKind; ratio: number | undefined }> {
  const checks: Array<{ kind: CheckKind; ratio: number | undefined }> = [];
  const lower = lowerIsBetter(row);
  const oursOverPeer = lower ? 1 / row.ratio : row.ratio;
  if (!lower) checks.push({ kind: 'throughput', ratio: row.ratio });
  else if (/bytes/i.test(row.unit)) checks.push({ kind: 'memory', ratio: oursOverPeer });
  else if (TIME_UNIT.test(row.unit)) checks.push({ kind: 'p99', ratio: oursOverPeer });
  else checks.push({ kind: 'cost', ratio: row.ratio });
  if (row.oursP99Us !== undefined || row.peerP99Us !== undefined) {
    checks.push({
      kind: 'p99',
      ratio: usable(row.oursP99Us) && usable(row.peerP99Us) ? row.oursP99Us / row.peerP99Us : undefined,
    });
  }
  return checks;
}

function fails(kind: CheckKind, change: number, t: Thresholds): boolean {
  switch (kind) {
    case 'throughput':
    case 'cost':
      return change < -t.throughputFall;
    case 'p99':
      return change > t.p99Rise;
    case 'memory':
      return change > t.memoryRise;
  }
}

export function compareResults(
  baseline: Report[],
  current: Report[],
  thresholds: Thresholds = defaultThresholds,
): Comparison {
  const checks: Check[] = [];
  const missing: string[] = [];
  const skipped: string[] = [];
  const currentByCategory = new Map(current.map((r) => [r.category, r]));
  for (const base of baseline) {
    const now = currentByCategory.get(base.category);
    if (now !== undefined && now.smoke !== base.smoke) {
      throw new GateError(
        `${base.category}: the baseline is ${base.smoke ? '' : 'not '}a smoke run and the current results are${now.smoke ? '' : ' not'}: ratios at different sizes do not compare`,
      );
    }
    for (const baseRow of base.results) {
      const id = `${base.category}/${baseRow.name}`;
      const nowRow = now?.results.find((r) => r.name === baseRow.name);
      if (nowRow === undefined) {
        missing.push(id);
        continue;
      }
      const nowRatios = ratiosOf(nowRow);
      for (const { kind, ratio: baseRatio } of ratiosOf(baseRow)) {
        const currentRatio = nowRatios.find((r) => r.kind === kind)?.ratio;
        if (!usable(baseRatio) || !usable(currentRatio)) {
          skipped.push(`${id} (${kind})`);
          continue;
        }
        const change = currentRatio / baseRatio - 1;
        checks.push({
          category: base.category,
          row: baseRow.name,
          kind,
          baseline: baseRatio,
          current: currentRatio,
          change,
          failed: fails(kind, change, thresholds),
        });
      }
    }
  }
  const baseIds = new Set(baseline.flatMap((r) => r.results.map((row) => `${r.category}/${row.name}`)));
  const added = current
    .flatMap((r) => r.results.map((row) => `${r.category}/${row.name}`))
    .filter((id) => !baseIds.has(id));
  return { checks, missing, added, skipped, passed: missing.length === 0 && checks.every((c) => !c.failed) };
}

const LIMIT: Record<CheckKind, (t: Thresholds) => string> = {
  throughput: (t) => `falls > ${t.throughputFall * 100}%`,
  cost: (t) => `falls > ${t.throughputFall * 100}%`,
  p99: (t) => `rises > ${t.p99Rise * 100}%`,
  memory: (t) => `rises > ${t.memoryRise * 100}%`,
};

/** The comparison as text: failures first, then every check, then what was not gated. */
export function formatComparison(c: Comparison, thresholds: Thresholds = defaultThresholds): string {
  const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  const line = (k: Check): string =>
    `  ${k.failed ? 'FAIL' : 'ok  '} ${k.category}/${k.row} ${k.kind}: ours/peer ${k.baseline.toPrecision(4)} -> ${k.current.toPrecision(4)} (${pct(k.change)}; fails if it ${LIMIT[k.kind](thresholds)})`;
  const failed = c.checks.filter((k) => k.failed);
  const lines = [
    `regression gate: ${c.passed ? 'PASS' : 'FAIL'} (${c.checks.length} checks, ${failed.length} failed, ${c.missing.length} missing)`,
  ];
  if (failed.length > 0) lines.push('failed:', ...failed.map(line));
  if (c.missing.length > 0) lines.push('missing from the current results:', ...c.missing.map((m) => `  FAIL ${m}`));
  lines.push('checks:', ...c.checks.map(line));
  if (c.skipped.length > 0) lines.push(`not gated (no finite ratio): ${c.skipped.join(', ')}`);
  if (c.added.length > 0) lines.push(`new since the baseline (not gated): ${c.added.join(', ')}`);
  return lines.join('\n');
}
