import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exit, Node, whereis } from '@erlmcp/otp';
import { startMcpServer, type McpServerApp } from '../src/app';
import { CALCULATOR } from '../src/calculator';

// Debian's chromium (.ci/run installs it when missing), driven by playwright-core.
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', '..', '..', 'packages', 'observability', 'test', 'artifacts');

describe('the observer page at /observer, in a real browser', () => {
  let node: Node;
  let server: McpServerApp;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser.close();
  });

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await startMcpServer({ port: 0, observer: { allowKill: true } });
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    problems.length = 0;
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  });

  afterEach(async () => {
    await page.close();
    await server.stop();
    await node.stop();
  });

  const observerUrl = (): string => new URL('/observer', server.urls!.url).href;

  it('loads without console errors, draws its charts, shows the supervision tree and a restart after a worker is killed', async () => {
    const client = new Client({ name: 'observer-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.urls!.url)));
    await page.goto(observerUrl());
    await page.locator('#status[data-state="live"]').waitFor();
    // The example's supervisors and workers, as its tree draws them.
    const top = page.locator('details[data-path=""]');
    await top.locator('> summary').getByText('mcp_server_top').waitFor();
    for (const child of ['tools', 'outbound', 'sessions', 'http'])
      await page.locator(`[data-path="/${child}"]`).first().waitFor({ state: 'visible' });
    await page.locator('details[data-path="/tools"] > summary').click();
    const calculator = page.locator('[data-path="/tools/calculator"]');
    await calculator.waitFor({ state: 'visible' });
    const pidBefore = await calculator.getAttribute('data-pid');
    expect(await calculator.getAttribute('data-restarts')).toBe('0');
    // The MCP session shows as a row: transport and revision, no id.
    await page.locator('#session-count').getByText('(1)').waitFor();
    await page.locator('#sessions tbody tr td').first().getByText('http').waitFor();

    // Killed through the runtime: its supervisor restarts it, and the page shows so.
    exit(whereis(CALCULATOR)!, 'kill');
    await page.locator('[data-path="/tools/calculator"][data-restarts="1"]').waitFor();
    expect(await calculator.getAttribute('data-pid')).not.toBe(pidBefore);
    await calculator.getByText('restarts 1').waitFor();

    // A process's info, on click.
    await calculator.click();
    await page.locator('#process').getByText('messages handled').waitFor();
    // Its current callback (none: it waits for a message) and its memory, counted in bytes.
    await page.locator('#process').getByText('none (waiting for a message)').waitFor();
    await page
      .locator('#process tr', { hasText: 'memory (state and mailbox)' })
      .getByText(/^\d+ B$/)
      .waitFor();
    expect(await page.locator('.uplot canvas').count()).toBeGreaterThanOrEqual(3);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'observer.png'), fullPage: true });
    expect(problems).toEqual([]);
    await client.close();
  });

  it('kills a process from the page when the observer allows it, and the supervisor restarts it', async () => {
    await page.goto(observerUrl());
    await page.locator('details[data-path="/tools"] > summary').click();
    const calculator = page.locator('[data-path="/tools/calculator"]');
    await calculator.waitFor({ state: 'visible' });
    const pid = await calculator.getAttribute('data-pid');
    await calculator.click();
    await page.locator('#kill').click();
    await page.locator('[data-path="/tools/calculator"][data-restarts="1"]').waitFor();
    expect(String(whereis(CALCULATOR))).not.toBe(pid);
    expect(problems).toEqual([]);
  });
});

describe('the observer is read-only by default', () => {
  it('refuses a kill with 403 and keeps the process', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const server = await startMcpServer({ port: 0 });
    try {
      const pid = String(whereis(CALCULATOR));
      const res = await fetch(new URL('/observer/kill', server.urls!.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ pid }),
      });
      expect(res.status).toBe(403);
      expect(String(whereis(CALCULATOR))).toBe(pid);
      const snapshot = (await (await fetch(new URL('/observer/snapshot', server.urls!.url))).json()) as {
        canKill: boolean;
        applications: { name: string }[];
      };
      expect(snapshot.canKill).toBe(false);
      expect(snapshot.applications.map((a) => a.name)).toEqual(['mcp-server']);
    } finally {
      await server.stop();
      await node.stop();
    }
  });
});
