import { measuredOn } from '../harness/results';
import type { Report, ResultRow } from '../harness/types';
import { ProjectionError, type Measured, type ProjectionInputs } from './projection';

/** The result rows the projection reads, and the command that measures each. */
export const SOURCES = {
  memoryPerSession: ['mcp', 'session_memory'],
  requestsPerCore: ['mcp', 'http_rate_p99_10ms'],
  bytesPerRequest: ['mcp', 'wire_bytes_per_call'],
  coreEfficiency: ['schedulers', 'parallel_work'],
} as const;

function find(reports: Report[], [category, scenario]: readonly [string, string]): { report: Report; row: ResultRow } {
  const report = reports.find((r) => r.category === category);
  const row = report?.results.find((r) => r.name === scenario);
  if (report === undefined || row === undefined) {
    throw new ProjectionError(
      `the projection needs ${category}/${scenario}, which the results do not have: run \`npm run bench -- ${category} --only ${scenario}\``,
    );
  }
  return { report, row };
}

function measured(report: Report, row: ResultRow, value: number, side = 'ours'): Measured {
  return { value, source: `${report.category}/${row.name} (${side})`, measuredOn: measuredOn(report, row) };
}

/** Cores of the machine a report was measured on (its cpu reads `<model> x<cores>`). */
export function coresOf(report: Report): number {
  const cores = Number(/x(\d+)$/.exec(report.cpu)?.[1]);
  if (!Number.isInteger(cores) || cores < 1)
    throw new ProjectionError(`${report.category}: cannot read the core count from cpu "${report.cpu}"`);
  return cores;
}

/**
 * Rows whose ratio is throughput on 2 schedulers over the same work on 1, so ratio / 2 is a
 * per-core efficiency: the projection's default, and scale/scaling (message passing split over
 * two worker schedulers), which `--efficiency-from scale/scaling` picks instead.
 */
export const EFFICIENCY_ROWS = ['schedulers/parallel_work', 'scale/scaling'] as const;

/** Parses `category/row` for --efficiency-from: one of EFFICIENCY_ROWS. */
export function efficiencySource(text: string): readonly [string, string] {
  if (!(EFFICIENCY_ROWS as readonly string[]).includes(text))
    throw new ProjectionError(`--efficiency-from: ${text} is not one of ${EFFICIENCY_ROWS.join(', ')}`);
  const [category, row] = text.split('/');
  return [category!, row!];
}

/** The measured inputs of the projection, each with the result it came from and its date. */
export function projectionInputs(
  reports: Report[],
  efficiencyFrom: readonly [string, string] = SOURCES.coreEfficiency,
): ProjectionInputs {
  const memory = find(reports, SOURCES.memoryPerSession);
  const rate = find(reports, SOURCES.requestsPerCore);
  const bytes = find(reports, SOURCES.bytesPerRequest);
  const cores = find(reports, efficiencyFrom);
  if (!(rate.row.ours > 0))
    throw new ProjectionError(`${SOURCES.requestsPerCore.join('/')}: no step of the sweep kept p99 under 10 ms`);
  const coresMeasured = coresOf(cores.report);
  return {
    memoryPerSession: measured(memory.report, memory.row, memory.row.ours),
    sessionsMeasured: memory.row.size,
    requestsPerCore: measured(rate.report, rate.row, rate.row.ours),
    connectionsMeasured: rate.row.oursDetail?.connectionsSwept ?? 1,
    bytesPerRequest: measured(bytes.report, bytes.row, bytes.row.ours),
    // Both rows: ours is 2 schedulers, its peer the same work on 1, so ratio / 2 is the efficiency.
    coreEfficiency: measured(cores.report, cores.row, cores.row.ratio / 2, 'ours / 1 scheduler, per core'),
    coresMeasured,
  };
}
