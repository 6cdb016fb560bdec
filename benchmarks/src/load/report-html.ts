/**
 * A load run's page: self-contained HTML with Chart.js inlined (the benchmark report's own
 * copy, html/page.ts), the latency distribution per operation and the run's timeline.
 */
import { chartJsSource } from '../html/page';
import type { LoadResult } from './result';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

function charts(r: LoadResult): Array<{ id: string; config: Record<string, unknown> }> {
  const labels = r.distribution.map(([p]) => (p === 100 ? 'max' : `p${p}`));
  return [
    {
      id: 'latency',
      config: {
        type: 'line',
        data: {
          labels,
          datasets: [
            { label: 'all (ms)', data: r.distribution.map(([, us]) => us / 1000) },
            ...Object.entries(r.byOperation).map(([op, s]) => ({
              label: `${op} (ms)`,
              data: [s.p50Us, null, null, s.p95Us, s.p99Us, null, s.p999Us, null, s.maxUs].map((us) =>
                us === null ? null : us / 1000,
              ),
              spanGaps: true,
            })),
          ],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: { title: { display: true, text: 'Latency by percentile (HdrHistogram)' } },
          scales: { y: { type: 'logarithmic', title: { display: true, text: 'ms' } } },
        },
      },
    },
    {
      id: 'timeline',
      config: {
        type: 'line',
        data: {
          labels: r.timeline.map((p) => p.second),
          datasets: [
            { label: 'answers/s', data: r.timeline.map((p) => p.answered), yAxisID: 'y' },
            { label: 'p99 (ms)', data: r.timeline.map((p) => p.p99Us / 1000), yAxisID: 'y1' },
          ],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: { title: { display: true, text: 'Each second of the run' } },
          scales: {
            x: { title: { display: true, text: 's' } },
            y: { position: 'left', title: { display: true, text: 'answers/s' } },
            y1: { position: 'right', title: { display: true, text: 'p99 ms' }, grid: { drawOnChartArea: false } },
          },
        },
      },
    },
  ];
}

const RENDER = `
(function () {
  var specs = JSON.parse(document.getElementById('load-charts').textContent);
  var state = { expected: specs.length, rendered: 0, failed: [] };
  window.benchReport = state;
  specs.forEach(function (spec) {
    try { new Chart(document.getElementById(spec.id), spec.config); state.rendered += 1; }
    catch (error) { state.failed.push(spec.id + ': ' + error); }
  });
})();
`;

export function renderLoadPage(r: LoadResult): string {
  const c = r.counts;
  const rows: Array<[string, string]> = [
    ['virtual users', String(r.vus)],
    ['mode', r.mode === 'open' ? `open loop, ${r.rate}/s` : 'closed loop'],
    ['duration', `${(r.durationMs / 1000).toFixed(1)} s`],
    ['sent / ok', `${c.sent} / ${c.ok}`],
    [
      'mismatched / bad status / transport / lost',
      `${c.failed.mismatch} / ${c.failed.status} / ${c.failed.transport} / ${c.failed.lost}`,
    ],
    ['throughput', `${r.throughput.toFixed(0)} answers/s`],
    [
      'latency p50 / p95 / p99 / p99.9 / max',
      [r.latency.p50Us, r.latency.p95Us, r.latency.p99Us, r.latency.p999Us, r.latency.maxUs]
        .map((us) => (us / 1000).toFixed(2))
        .join(' / ') + ' ms',
    ],
    ['load average (start)', r.loadAverage.start.map((l) => l.toFixed(2)).join(' ')],
    ...Object.entries(r.extra ?? {}).map(([k, v]): [string, string] => [k, String(v)]),
    ...Object.entries(r.verdicts ?? {}).map(([k, v]): [string, string] => [k, v ? 'pass' : 'FAIL']),
  ];
  const specs = charts(r);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>load ${escapeHtml(r.scenario)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;max-width:1200px;margin:0 auto;padding:1em 2em}
.box{position:relative;height:360px;margin:1em 0}td{padding:.2em .8em;border-bottom:1px solid #eee}</style></head>
<body><h1>npm run load -- ${escapeHtml(r.scenario)}</h1>
<p>${escapeHtml(r.date)} on ${escapeHtml(r.cpu)}, Node ${escapeHtml(r.node)}${r.smoke ? ' (smoke sizes)' : ''}</p>
<table>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
${specs.map((s) => `<div class="box"><canvas id="${s.id}"></canvas></div>`).join('')}
<script>${chartJsSource().replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="load-charts">${scriptJson(specs)}</script>
<script>${RENDER}</script>
</body></html>
`;
}
