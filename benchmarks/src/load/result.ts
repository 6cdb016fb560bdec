/**
 * The result of a load run, as written to <out>/load-<scenario>.json beside its HTML page.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadOptions } from './args';
import type { LatencySummary } from './histogram';
import { renderLoadPage } from './report-html';
import type { SoakTrace } from './soak-trace';
import type { Counts, Tally, TimelinePoint } from './tally';

export interface LoadResult {
  scenario: string;
  date: string;
  node: string;
  cpu: string;
  /** os.loadavg() when the run started and ended: how busy the machine was. */
  loadAverage: { start: number[]; end: number[] };
  smoke: boolean;
  mode: 'open' | 'closed';
  vus: number;
  /** Requests/s asked for (open loop). */
  rate?: number;
  durationMs: number;
  counts: Counts;
  /** Answered and right, per second of the run. */
  throughput: number;
  latency: LatencySummary;
  byOperation: Record<string, LatencySummary>;
  /** The soak: latency per transport of the steady sessions, and of the churn's calls. */
  byClass?: Record<string, LatencySummary>;
  initialize: LatencySummary;
  distribution: Array<[number, number]>;
  timeline: TimelinePoint[];
  server?: { rssStart: number; rssEnd: number; sessionsEnd: number };
  /** Soak and other verdicts: name to passed. */
  verdicts?: Record<string, boolean>;
  /**
   * The soak: the server's memory, a tenth of the run apart and at its end as it is, and
   * before the soak and after the load after forced full GCs (`forcedGc` 1); bytes, `second` of the run.
   */
  memory?: Array<Record<string, number>>;
  /** Figures a scenario adds (soak: the rate it ran at, RSS after warm-up, growth). */
  extra?: Record<string, number>;
  failures: string[];
  /** The soak: both processes' stalls, GC pauses and memory samples, and the slow seconds beside them. */
  trace?: SoakTrace;
}

export function buildResult(
  options: LoadOptions,
  tally: Tally,
  run: { elapsedMs: number; loadStart: number[]; initialize: LatencySummary },
): LoadResult {
  const cpus = os.cpus();
  return {
    scenario: options.scenario,
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus[0]?.model.trim() ?? 'unknown'} x${cpus.length}`,
    loadAverage: { start: run.loadStart, end: os.loadavg() },
    smoke: options.smoke,
    mode: options.rate === undefined ? 'closed' : 'open',
    vus: options.vus,
    ...(options.rate === undefined ? {} : { rate: options.rate }),
    durationMs: Math.round(run.elapsedMs),
    counts: tally.counts,
    throughput: tally.counts.ok / (run.elapsedMs / 1000),
    latency: tally.latency.summary(),
    byOperation: tally.operations(),
    initialize: run.initialize,
    distribution: tally.latency.distribution(),
    timeline: tally.timeline,
    failures: tally.samples,
  };
}

/** The default output directory: benchmarks/results/load (smoke: results/smoke/load). */
export function defaultOutDir(smoke: boolean): string {
  const results = path.resolve(__dirname, '../../results');
  return smoke ? path.join(results, 'smoke', 'load') : path.join(results, 'load');
}

/** Writes the JSON and the HTML page; returns their paths. */
export function writeResult(result: LoadResult, outDir: string): { json: string; html: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, `load-${result.scenario}.json`);
  const html = path.join(outDir, `load-${result.scenario}.html`);
  fs.writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(html, renderLoadPage(result));
  return { json, html };
}

const ms = (us: number): string => (us / 1000).toFixed(2);

/** The summary printed on stdout. */
export function formatResult(r: LoadResult): string {
  const c = r.counts;
  const lines = [
    `scenario ${r.scenario}: ${r.vus} virtual users, ${r.mode} loop${r.rate === undefined ? '' : ` at ${r.rate}/s`}, ${(r.durationMs / 1000).toFixed(1)} s (load average ${r.loadAverage.start.map((l) => l.toFixed(1)).join(' ')})`,
    `requests: sent ${c.sent}, ok ${c.ok}, mismatched ${c.failed.mismatch}, bad status ${c.failed.status}, transport ${c.failed.transport}, lost ${c.failed.lost}${c.late > 0 ? ` (${c.late} of them answered after the timeout)` : ''}${c.dropped > 0 ? `, not sent (generator limit) ${c.dropped}` : ''}`,
    `throughput: ${r.throughput.toFixed(0)} answers/s`,
    `latency (ms): p50 ${ms(r.latency.p50Us)}  p95 ${ms(r.latency.p95Us)}  p99 ${ms(r.latency.p99Us)}  p99.9 ${ms(r.latency.p999Us)}  max ${ms(r.latency.maxUs)}`,
    ...Object.entries(r.byOperation).map(
      ([op, s]) => `  ${op.padEnd(10)} n ${s.count}  p50 ${ms(s.p50Us)}  p99 ${ms(s.p99Us)}  p99.9 ${ms(s.p999Us)}`,
    ),
    `  ${'initialize'.padEnd(10)} n ${r.initialize.count}  p50 ${ms(r.initialize.p50Us)}  p99 ${ms(r.initialize.p99Us)}`,
    ...Object.entries(r.byClass ?? {}).map(
      ([name, s]) => `  ${name.padEnd(10)} n ${s.count}  p50 ${ms(s.p50Us)}  p99 ${ms(s.p99Us)}  p99.9 ${ms(s.p999Us)}`,
    ),
  ];
  if (r.server !== undefined)
    lines.push(
      `server: RSS ${(r.server.rssStart / 2 ** 20).toFixed(1)} -> ${(r.server.rssEnd / 2 ** 20).toFixed(1)} MiB, ${r.server.sessionsEnd} sessions at the end`,
    );
  const mib = (b: number | undefined): string => ((b ?? 0) / 2 ** 20).toFixed(1);
  if (r.memory !== undefined && r.memory.length > 0)
    lines.push(
      'server memory (MiB; forced GC first where gc 1): second  gc  rss  heap used / committed  new space (resident)  external  arrayBuffers  fds',
      ...r.memory.map(
        (m) =>
          `  ${String(m.second).padStart(5)}  ${m.forcedGc ?? 1}  ${mib(m.rss)}  ${mib(m.heapUsed)} / ${mib(m.heapTotal)}  ${mib(m.new_space)}  ${mib(m.external)}  ${mib(m.arrayBuffers)}  ${m.fds}`,
      ),
    );
  for (const [k, v] of Object.entries(r.extra ?? {})) lines.push(`${k}: ${Number.isInteger(v) ? v : v.toFixed(3)}`);
  for (const [k, v] of Object.entries(r.verdicts ?? {})) lines.push(`${v ? 'PASS' : 'FAIL'} ${k}`);
  for (const f of r.failures) lines.push(`  e.g. ${f}`);
  return lines.join('\n');
}
