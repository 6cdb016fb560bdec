// Past 400 lines by a few: one builder per kind of chart in the report, each plain Chart.js
// configuration over the result JSONs, sharing the helpers at the top.
/**
 * The report's charts, as Chart.js configurations built from the result JSONs: plain data,
 * so the page only has to hand them to Chart.js, and a test can check them without a browser.
 */
import { lowerIsBetter, measuredOn } from '../harness/results';
import { PERCENTILE_LABELS } from '../harness/stats';
import type { Report, ResultRow } from '../harness/types';

export interface ChartSpec {
  id: string;
  title: string;
  /** A Chart.js configuration (type, data, options): JSON only, no callbacks. */
  config: Record<string, unknown>;
  /** Pixel height, when the default (360) is too small for its rows. */
  height?: number;
}

export interface Section {
  id: string;
  title: string;
  /** One line under the title: where and when it was measured. */
  meta: string;
  charts: ChartSpec[];
  rows: Array<{
    name: string;
    unit: string;
    ours: number;
    peer: string;
    peerValue: number;
    ratio: number;
    measured: string;
    note?: string;
  }>;
}

const OURS = '#1f77b4';
const PEER = '#ff7f0e';

const slug = (text: string): string => text.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

function axisTitle(text: string): Record<string, unknown> {
  return { display: true, text };
}

function baseOptions(
  title: string,
  x: Record<string, unknown>,
  y: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  extraScales: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { title: { display: true, text: title }, legend: { display: extra.indexAxis !== 'y' } },
    scales: { x, y, ...extraScales },
    ...extra,
  };
}

/** Ours against the peer for every row: a floating bar from parity (1) to the ratio, on a log axis. */
function ratioChart(report: Report): ChartSpec {
  const rows = report.results.filter((r) => Number.isFinite(r.ratio) && r.ratio > 0);
  const title = `${report.category}: ours vs peer (ratio on a log axis, higher is better; blue: ours ahead, orange: the peer)`;
  return {
    id: `${slug(report.category)}-ratio`,
    title,
    height: Math.max(360, 120 + rows.length * 28),
    config: {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.name),
        datasets: [
          {
            label: 'ratio (ours/peer; peer/ours for memory and time)',
            data: rows.map((r) => [1, r.ratio]),
            backgroundColor: rows.map((r) => (r.ratio >= 1 ? OURS : PEER)),
          },
        ],
      },
      options: baseOptions(
        title,
        {
          type: 'logarithmic',
          title: axisTitle('ratio: ours/peer (peer/ours for memory and time); the table names each peer'),
        },
        { ticks: { autoSkip: false } },
        { indexAxis: 'y' },
      ),
    },
  };
}

/** Each row with a recorded distribution: latency by percentile, ours and the peer. */
function distributionCharts(report: Report): ChartSpec[] {
  return report.results
    .filter((r) => r.oursPercentilesUs !== undefined && r.peerPercentilesUs !== undefined)
    .map((r) => {
      const title = `${report.category}/${r.name}: latency distribution (µs, log)`;
      const series = (p: Record<string, number>): Array<number | null> => PERCENTILE_LABELS.map((l) => p[l] ?? null);
      return {
        id: `${slug(report.category)}-${slug(r.name)}-latency`,
        title,
        config: {
          type: 'line',
          data: {
            labels: PERCENTILE_LABELS.map((l) => (l === 'max' ? 'max' : `p${l}`)),
            datasets: [
              { label: 'ours', data: series(r.oursPercentilesUs!), borderColor: OURS, backgroundColor: OURS },
              { label: r.peer, data: series(r.peerPercentilesUs!), borderColor: PEER, backgroundColor: PEER },
            ],
          },
          options: baseOptions(
            title,
            { title: axisTitle('percentile') },
            { type: 'logarithmic', title: axisTitle('µs') },
          ),
        },
      };
    });
}

/** Rows measured before distributions were recorded: their p50 and p99 side by side. */
function p50p99Chart(report: Report): ChartSpec | undefined {
  const rows = report.results.filter(
    (r) => r.oursPercentilesUs === undefined && r.oursP99Us !== undefined && r.peerP99Us !== undefined,
  );
  if (rows.length === 0) return undefined;
  const title = `${report.category}: p50 and p99 latency (µs, log)`;
  return {
    id: `${slug(report.category)}-p50-p99`,
    title,
    config: {
      type: 'bar',
      data: {
        labels: rows.flatMap((r) => [`${r.name} p50`, `${r.name} p99`]),
        datasets: [
          {
            label: 'ours',
            data: rows.flatMap((r) => [r.oursP50Us ?? null, r.oursP99Us ?? null]),
            backgroundColor: OURS,
          },
          {
            label: 'peer',
            data: rows.flatMap((r) => [r.peerP50Us ?? null, r.peerP99Us ?? null]),
            backgroundColor: PEER,
          },
        ],
      },
      options: baseOptions(title, {}, { type: 'logarithmic', title: axisTitle('µs') }),
    },
  };
}

function find(reports: Report[], category: string, name: string): { report: Report; row: ResultRow } | undefined {
  const report = reports.find((r) => r.category === category);
  const row = report?.results.find((r) => r.name === name);
  return report === undefined || row === undefined ? undefined : { report, row };
}

/** Detail keys `<prefix><n>` as points (n, value), sorted by n. */
function pointsOf(
  detail: Record<string, number> | undefined,
  prefix: string,
  scale = 1,
): Array<{ x: number; y: number }> {
  return Object.entries(detail ?? {})
    .filter(([k]) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)))
    .map(([k, v]) => ({ x: Number(k.slice(prefix.length)), y: v * scale }))
    .sort((a, b) => a.x - b.x);
}

function scatterLines(
  id: string,
  title: string,
  xTitle: string,
  yTitle: string,
  datasets: Array<{
    label: string;
    data: Array<{ x: number; y: number }>;
    color: string;
    yAxisID?: string;
    dashed?: boolean;
  }>,
  xLog: boolean,
  extraScales: Record<string, unknown> = {},
): ChartSpec {
  return {
    id,
    title,
    config: {
      type: 'line',
      data: {
        datasets: datasets.map((d) => ({
          label: d.label,
          data: d.data,
          borderColor: d.color,
          backgroundColor: d.color,
          showLine: true,
          ...(d.yAxisID ? { yAxisID: d.yAxisID } : {}),
          ...(d.dashed ? { borderDash: [6, 4] } : {}),
        })),
      },
      options: baseOptions(
        title,
        { type: xLog ? 'logarithmic' : 'linear', title: axisTitle(xTitle) },
        { title: axisTitle(yTitle), beginAtZero: true },
        {},
        extraScales,
      ),
    },
  };
}

/** The sweep's p99 bound across the connection counts either side reached. */
function boundLine(row: ResultRow): Array<{ x: number; y: number }> {
  const xs = [...pointsOf(row.oursDetail, 'rps_c'), ...pointsOf(row.peerDetail, 'rps_c')].map((p) => p.x);
  return xs.length === 0
    ? []
    : [
        { x: Math.min(...xs), y: 10 },
        { x: Math.max(...xs), y: 10 },
      ];
}

/** Throughput against connections (the p99 < 10 ms sweep), against cores, memory against sessions and entries. */
export function scalingSection(reports: Report[]): Section | undefined {
  const charts: ChartSpec[] = [];
  const sweep = find(reports, 'mcp', 'http_rate_p99_10ms');
  if (sweep !== undefined) {
    const { row } = sweep;
    charts.push(
      scatterLines(
        'throughput-vs-connections',
        `MCP tools/call over HTTP: throughput and p99 against connections (one server core; measured ${measuredOn(sweep.report, row).slice(0, 10)})`,
        'concurrent connections (log)',
        'requests/s',
        [
          { label: 'ours requests/s', data: pointsOf(row.oursDetail, 'rps_c'), color: OURS },
          { label: `${row.peer} requests/s`, data: pointsOf(row.peerDetail, 'rps_c'), color: PEER },
          {
            label: 'ours p99 (ms)',
            data: pointsOf(row.oursDetail, 'p99Us_c', 1e-3),
            color: OURS,
            yAxisID: 'p99',
            dashed: true,
          },
          {
            label: `${row.peer} p99 (ms)`,
            data: pointsOf(row.peerDetail, 'p99Us_c', 1e-3),
            color: PEER,
            yAxisID: 'p99',
            dashed: true,
          },
          { label: 'p99 bound (10 ms)', data: boundLine(row), color: '#999', yAxisID: 'p99', dashed: true },
        ],
        true,
        {
          p99: {
            position: 'right',
            type: 'logarithmic',
            title: axisTitle('p99 ms (dashed, log)'),
            grid: { drawOnChartArea: false },
          },
        },
      ),
    );
  }
  const coreRows = [
    ['schedulers', 'parallel_work'],
    ['flash', 'two_schedulers'],
    ['tuning', 'schedulers_per_core'],
  ]
    .map(([c, n]) => find(reports, c!, n!))
    .filter((x): x is { report: Report; row: ResultRow } => x !== undefined);
  if (coreRows.length > 0) {
    const title = 'Throughput against cores: the same work on one scheduler and on two (one per core), relative to one';
    charts.push({
      id: 'throughput-vs-cores',
      title,
      config: {
        type: 'line',
        data: {
          labels: ['1 core', '2 cores'],
          datasets: [
            ...coreRows.map(({ report, row }, i) => ({
              label: `${report.category}/${row.name} (${row.unit}, measured ${measuredOn(report, row).slice(0, 10)})`,
              data: [1, row.ours / row.peerValue],
              borderColor: [OURS, PEER, '#2ca02c'][i % 3],
              backgroundColor: [OURS, PEER, '#2ca02c'][i % 3],
            })),
            { label: 'linear', data: [1, 2], borderColor: '#999', backgroundColor: '#999', borderDash: [4, 4] },
          ],
        },
        options: baseOptions(
          title,
          { title: axisTitle('cores (schedulers)') },
          { title: axisTitle('throughput relative to 1 core'), beginAtZero: true },
        ),
      },
    });
  }
  const sessions = find(reports, 'mcp', 'session_memory');
  if (sessions !== undefined && pointsOf(sessions.row.oursDetail, 'sessions_').length > 0) {
    const { row } = sessions;
    charts.push(
      scatterLines(
        'memory-vs-sessions',
        `MCP server RSS growth against open sessions (MiB; measured ${measuredOn(sessions.report, row).slice(0, 10)})`,
        'open sessions',
        'RSS growth (MiB)',
        [
          { label: 'ours', data: pointsOf(row.oursDetail, 'sessions_', 2 ** -20), color: OURS },
          { label: row.peer, data: pointsOf(row.peerDetail, 'sessions_', 2 ** -20), color: PEER },
        ],
        false,
      ),
    );
  }
  const entries = ['memory_reduction', 'memory_reduction_1m']
    .map((n) => find(reports, 'ets-optimizer', n))
    .filter((x): x is { report: Report; row: ResultRow } => x !== undefined);
  const perEntry = find(reports, 'ets', 'memory_per_entry');
  if (entries.length > 0 || perEntry !== undefined) {
    const mib = 2 ** -20;
    const datasets = [
      {
        label: 'ets-optimizer table (ours)',
        data: entries.map(({ row }) => ({ x: row.size, y: row.ours * mib })),
        color: OURS,
      },
      {
        label: `${entries[0]?.row.peer ?? 'plain table'}`,
        data: entries.map(({ row }) => ({ x: row.size, y: row.peerValue * mib })),
        color: PEER,
      },
    ];
    if (perEntry !== undefined) {
      datasets.push(
        {
          label: '@erlmcp/ets (bytes/entry × entries)',
          data: [{ x: perEntry.row.size, y: perEntry.row.ours * perEntry.row.size * mib }],
          color: '#2ca02c',
        },
        {
          label: `${perEntry.row.peer} (bytes/entry × entries)`,
          data: [{ x: perEntry.row.size, y: perEntry.row.peerValue * perEntry.row.size * mib }],
          color: '#d62728',
        },
      );
    }
    const chart = scatterLines(
      'memory-vs-entries',
      'Table memory against entries (MiB, log-log)',
      'entries (log)',
      'MiB (log)',
      datasets,
      true,
    );
    (chart.config as { options: { scales: { y: Record<string, unknown> } } }).options.scales.y = {
      type: 'logarithmic',
      title: axisTitle('MiB (log)'),
    };
    charts.push(chart);
  }
  if (charts.length === 0) return undefined;
  return {
    id: 'scaling',
    title: 'Scaling and memory',
    meta: 'Plots across categories; each says when its rows were measured.',
    charts,
    rows: [],
  };
}

export function categorySection(report: Report): Section {
  const charts = [ratioChart(report), ...distributionCharts(report)];
  const p = p50p99Chart(report);
  if (p !== undefined) charts.push(p);
  return {
    id: slug(report.category),
    title: report.category,
    meta: `Measured ${report.date.slice(0, 10)}${report.smoke ? ' (smoke sizes: the figures mean nothing)' : ''} on ${report.cpu}, Node ${report.node}; ours and the peer in the same run.`,
    charts,
    rows: report.results.map((r) => ({
      name: r.name,
      unit: r.unit,
      ours: r.ours,
      peer: r.peer,
      peerValue: r.peerValue,
      ratio: r.ratio,
      measured: measuredOn(report, r).slice(0, 10),
      ...(r.note === undefined ? {} : { note: r.note }),
      ...(lowerIsBetter(r) ? { unit: `${r.unit} (lower is better)` } : {}),
    })),
  };
}

/** Every section of the page, scaling first, then each category in the order given. */
export function sectionsOf(reports: Report[]): Section[] {
  const scaling = scalingSection(reports);
  return [...(scaling === undefined ? [] : [scaling]), ...reports.map(categorySection)];
}
