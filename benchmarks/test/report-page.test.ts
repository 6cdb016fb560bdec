/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core, offline
 * (the page is opened from a file, and every request off it is refused). Each chart must
 * have drawn something, with no console error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { sectionsOf } from '../src/html/charts';
import { renderPage } from '../src/html/page';
import { loadReports } from '../src/harness/results';
import type { Report, ResultRow } from '../src/harness/types';
import { launchChromium } from './browser';

const row = (name: string, ours: number, peerValue: number, extra: Partial<ResultRow> = {}): ResultRow => ({
  name,
  unit: 'ops/s',
  ours,
  peer: 'peer',
  peerValue,
  ratio: ours / peerValue,
  size: 1_000,
  runs: 3,
  ...extra,
});
const dist = (scale: number): Record<string, number> => ({
  '10': 100 * scale,
  '25': 150 * scale,
  '50': 200 * scale,
  '75': 300 * scale,
  '90': 500 * scale,
  '97.5': 800 * scale,
  '99': 1_000 * scale,
  '99.9': 3_000 * scale,
  max: 9_000 * scale,
});
const report = (category: string, results: ResultRow[]): Report => ({
  category,
  date: '2026-12-06T20:00:00.000Z',
  node: 'v20.20.2',
  cpu: 'AMD EPYC x2',
  smoke: false,
  results,
});

/** One row of every shape the page plots. */
const fixture: Report[] = [
  report('mcp', [
    row('http_tools_call', 15_000, 3_000, {
      oursP50Us: 2_000,
      oursP99Us: 13_000,
      peerP50Us: 15_000,
      peerP99Us: 37_000,
      oursPercentilesUs: dist(1),
      peerPercentilesUs: dist(5),
    }),
    row('ws_tools_call', 35_000, 16_000, { oursP50Us: 1_000, oursP99Us: 7_000, peerP50Us: 2_000, peerP99Us: 13_000 }),
    row('session_memory', 4_400, 44_000, {
      unit: 'RSS bytes/session',
      ratio: 10,
      lowerIsBetter: true,
      oursDetail: { sessions_2500: 11e6, sessions_5000: 22e6, sessions_10000: 44e6 },
      peerDetail: { sessions_2500: 110e6, sessions_5000: 220e6, sessions_10000: 440e6 },
    }),
    row('http_rate_p99_10ms', 9_000, 2_000, {
      oursDetail: {
        rps_c1: 3_000,
        rps_c2: 6_000,
        rps_c4: 9_000,
        p99Us_c1: 1_000,
        p99Us_c2: 2_000,
        p99Us_c4: 12_000,
        connectionsSwept: 4,
      },
      peerDetail: { rps_c1: 1_000, rps_c2: 2_000, p99Us_c1: 4_000, p99Us_c2: 11_000, connectionsSwept: 2 },
    }),
  ]),
  report('schedulers', [row('parallel_work', 1_990, 1_030)]),
  report('ets-optimizer', [
    row('memory_reduction', 99e6, 445e6, { unit: 'bytes', ratio: 4.5, size: 100_000 }),
    row('memory_reduction_1m', 680e6, 4_460e6, { unit: 'bytes', ratio: 6.6, size: 1_000_000 }),
  ]),
  report('ets', [row('memory_per_entry', 105, 181, { unit: 'bytes/entry', ratio: 1.73, size: 1_000_000 })]),
  report('tuning', [
    row('schedulers_per_core', 250, 130),
    row('heap_limit_8g', 8.6e9, 4.3e9, { unit: 'bytes (V8 heap limit)' }),
  ]),
];

interface PageCheck {
  state: { expected: number; rendered: number; failed: string[] };
  blank: string[];
  errors: string[];
}

/**
 * The ids of canvases with no non-transparent pixel: charts that drew nothing. A string, as
 * it runs in the page (the tests type-check without the DOM library).
 */
const BLANK_CANVASES = `[...document.querySelectorAll('canvas')].filter((c) => {
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return false;
  return true;
}).map((c) => c.id)`;

let browser: Browser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-page-'));

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(html: string, screenshot?: string): Promise<PageCheck> {
  const file = path.join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
  fs.writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => void errors.push(String(e)));
  // Self-contained means no request leaves the file: any would be an error here.
  await page.route(/^(?!file:)/, (route) => {
    errors.push(`request off the page: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  const state = await page.evaluate<PageCheck['state']>('window.benchReport');
  const blank = await page.evaluate<string[]>(BLANK_CANVASES);
  if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { state, blank, errors };
}

describe('report.html in chromium', () => {
  test('every chart of every kind renders, offline, with no console error', async () => {
    const charts = sectionsOf(fixture).flatMap((s) => s.charts.map((c) => c.id));
    for (const id of [
      'throughput-vs-connections',
      'throughput-vs-cores',
      'memory-vs-sessions',
      'memory-vs-entries',
      'mcp-ratio',
      'mcp-http-tools-call-latency',
      'mcp-p50-p99',
    ])
      expect(charts).toContain(id);
    const check = await open(renderPage(fixture));
    expect(check.errors).toEqual([]);
    expect(check.state).toEqual({ expected: charts.length, rendered: charts.length, failed: [] });
    expect(check.blank).toEqual([]);
  });

  test('the page built from the committed results renders whole (screenshot in results/smoke/)', async () => {
    const reports = loadReports(path.join(__dirname, '..', 'results'));
    const shots = path.join(__dirname, '..', 'results', 'smoke');
    fs.mkdirSync(shots, { recursive: true });
    const check = await open(renderPage(reports), path.join(shots, 'report.png'));
    expect(check.errors).toEqual([]);
    expect(check.state.failed).toEqual([]);
    expect(check.state.rendered).toBe(check.state.expected);
    expect(check.state.expected).toBeGreaterThanOrEqual(reports.length);
    expect(check.blank).toEqual([]);
  });

  test('a chart that cannot be drawn is counted and reported, not hidden', async () => {
    const html = renderPage(fixture).replace('"type":"bar"', '"type":"no-such-chart"');
    const check = await open(html);
    expect(check.state.failed).toHaveLength(1);
    expect(check.errors.join('\n')).toMatch(/failed/);
  });
});
