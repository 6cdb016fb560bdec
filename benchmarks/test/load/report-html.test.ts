/**
 * A load run's page in a real browser (Debian's chromium via playwright-core, offline): both
 * charts draw, with no console error and no request off the page.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { buildResult, writeResult } from '../../src/load/result';
import { parseLoadArgs } from '../../src/load/args';
import { Tally } from '../../src/load/tally';
import { launchChromium } from '../browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

test('the page of a run draws its latency and timeline charts, offline', async () => {
  const tally = new Tally();
  for (let i = 1; i <= 500; i++) {
    tally.counts.sent += 1;
    tally.ok(i % 2 === 0 ? 'call' : 'list', i * 10);
    if (i % 100 === 0) tally.tick(i / 100);
  }
  const result = buildResult(parseLoadArgs(['http', '--smoke']), tally, {
    elapsedMs: 5_000,
    loadStart: os.loadavg(),
    initialize: tally.latency.summary(),
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-page-'));
  const { html, json } = writeResult(result, dir);
  expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toMatchObject({ scenario: 'http', counts: { ok: 500 } });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await page.route(/^(?!file:)/, (route) => {
    errors.push(`request off the page: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(`file://${html}`);
  const state = await page.evaluate<{ expected: number; rendered: number; failed: string[] }>('window.benchReport');
  await page.close();
  fs.rmSync(dir, { recursive: true, force: true });
  expect(errors).toEqual([]);
  expect(state).toEqual({ expected: 2, rendered: 2, failed: [] });
});
