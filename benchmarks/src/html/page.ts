/**
 * The report page: one self-contained HTML file. Chart.js (a pinned devDependency of the
 * benchmarks) is read from node_modules when the page is written and inlined, so the page
 * needs no network and opens from disk. The page counts the charts it drew in
 * `window.benchReport` (expected, rendered, failed), which the browser test reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fmt } from '../harness/report';
import type { Report } from '../harness/types';
import { sectionsOf, type Section } from './charts';

/** Chart.js's UMD build, for inlining. */
export function chartJsSource(): string {
  // The package exports no path to its UMD build; it sits beside the CommonJS entry (dist/).
  return fs.readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that cannot close the script element it sits in. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

function sectionHtml(section: Section): string {
  const table =
    section.rows.length === 0
      ? ''
      : `<table><thead><tr><th>benchmark</th><th>unit</th><th>ours</th><th>peer</th><th>ratio</th><th>measured</th></tr></thead><tbody>${section.rows
          .map(
            (r) =>
              `<tr><td>${escapeHtml(r.name)}${r.note === undefined ? '' : `<div class="note">${escapeHtml(r.note)}</div>`}</td><td>${escapeHtml(r.unit)}</td><td>${fmt(r.ours)}</td><td>${escapeHtml(r.peer)}: ${fmt(r.peerValue)}</td><td class="${r.ratio >= 1 ? 'win' : 'loss'}">${r.ratio === null || !Number.isFinite(r.ratio) ? 'n/a' : r.ratio.toFixed(2)}</td><td>${r.measured}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const charts = section.charts
    .map(
      (c) =>
        `<figure class="chart"><div class="box"${c.height === undefined ? '' : ` style="height: ${c.height}px"`}><canvas id="${c.id}" aria-label="${escapeHtml(c.title)}" role="img"></canvas></div></figure>`,
    )
    .join('');
  return `<section id="${section.id}"><h2>${escapeHtml(section.title)}</h2><p class="meta">${escapeHtml(section.meta)}</p><div class="charts">${charts}</div>${table}</section>`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 1em 2em; color: #222; }
nav a { margin-right: 1em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(620px, 1fr)); gap: 1em; }
.chart { margin: 0; border: 1px solid #ddd; padding: 0.5em; }
.box { position: relative; height: 360px; }
table { border-collapse: collapse; margin: 1em 0 2em; }
td, th { border-bottom: 1px solid #eee; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
.note { color: #666; font-size: 12px; max-width: 60em; }
.win { color: #1f77b4; font-weight: bold; } .loss { color: #d62728; font-weight: bold; }
.meta { color: #555; }
`;

const RENDER = `
(function () {
  var specs = JSON.parse(document.getElementById('bench-charts').textContent);
  var state = { expected: specs.length, rendered: 0, failed: [] };
  window.benchReport = state;
  specs.forEach(function (spec) {
    try {
      new Chart(document.getElementById(spec.id), spec.config);
      state.rendered += 1;
    } catch (error) {
      state.failed.push(spec.id + ': ' + error);
      console.error('chart ' + spec.id + ' failed: ' + error);
    }
  });
})();
`;

export function renderPage(reports: Report[], generated = new Date().toISOString()): string {
  const sections = sectionsOf(reports);
  const specs = sections.flatMap((s) => s.charts.map((c) => ({ id: c.id, config: c.config })));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>erlmcp-ts benchmarks</title><style>${STYLE}</style></head>
<body>
<h1>erlmcp-ts benchmarks</h1>
<p class="meta">Generated ${generated.slice(0, 19).replace('T', ' ')} UTC from ${reports.length} category reports. Ours and each peer are measured in the same run; ratios are oriented so that higher is better. The machine is shared: compare ratios, not absolute figures.</p>
<nav>${sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('')}</nav>
${sections.map(sectionHtml).join('\n')}
<script>${chartJsSource().replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="bench-charts">${scriptJson(specs)}</script>
<script>${RENDER}</script>
</body></html>
`;
}
