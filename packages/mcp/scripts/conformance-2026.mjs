#!/usr/bin/env node
// npm run conformance:2026: the 2026-07-28 scenarios of the official suite, which only its
// 0.2.0 pre-releases carry (installed as @modelcontextprotocol/conformance-2026, pinned to
// 0.2.0-alpha.12), against our conformance server (test/conformance/server.ts): every
// scenario `--requirements 2026-07-28` runs (the revision's own, and the tasks extension's,
// which it runs unscored); then our client (test/conformance/client.ts) through each 2026-07-28
// client scenario but OAuth's. A failure fails the run unless KNOWN_FAILURES names its scenario
// with the reason; a known failure that passes fails it too (the list must be kept true).
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { here, require, scratchDir, spawnSuite, startServer, suiteCli, tsNodeEnv } from './conformance-common.mjs';

const cli = suiteCli('@modelcontextprotocol/conformance-2026');
const scratch = scratchDir('mcp-conformance-2026-');

/** Scenarios we know fail, and why. */
const KNOWN_FAILURES = new Map([]);

/** Runs the suite; resolves with each scenario's verdict from its summary ("✓ name: 3 passed, 0 failed"). */
function runSuite(url) {
  return new Promise((resolve) => {
    const child = spawnSuite(cli, ['server', '--url', url, '--requirements', '2026-07-28'], {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const scenarios = new Map();
    let total;
    createInterface({ input: child.stdout }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      const verdict = /^([✓✗]) ([\w/-]+): (\d+) passed, (\d+) failed$/.exec(line);
      if (verdict) scenarios.set(verdict[2], { passed: Number(verdict[3]), failed: Number(verdict[4]) });
      const sum = /^Total: (\d+) passed, (\d+) failed/.exec(line);
      if (sum) total = { passed: Number(sum[1]), failed: Number(sum[2]) };
    });
    child.once('exit', (code) => resolve({ code: code ?? 1, scenarios, total }));
  });
}

/** The 2026-07-28 client scenarios (`list`), less auth/*: our client has no OAuth flow. */
const CLIENT_SCENARIOS = [
  'tools_call',
  'request-metadata',
  'sep-2322-client-request-state',
  'http-standard-headers',
  'http-custom-headers',
  'http-invalid-tool-headers',
  'json-schema-ref-no-deref',
  'json-schema-2020-12-preservation',
];

/** One client scenario with our client; resolves with its checks' count and whether it passed. */
function runClientScenario(scenario) {
  const client = [
    process.execPath,
    '-r',
    require.resolve('ts-node/register/transpile-only'),
    path.join(here, '../test/conformance/client.ts'),
  ].join(' ');
  return new Promise((resolve) => {
    const child = spawnSuite(
      cli,
      ['client', '--command', client, '--scenario', scenario, '--spec-version', '2026-07-28'],
      {
        cwd: scratch,
        env: { ...process.env, ...tsNodeEnv },
        // The client command prints its verdict on stderr.
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let checks = { passed: 0, failed: 0 };
    let overall = false;
    let output = '';
    const read = (line) => {
      output += `${line}\n`;
      const result = /^Passed: (\d+)\/\d+, (\d+) failed/.exec(line);
      if (result) checks = { passed: Number(result[1]), failed: Number(result[2]) };
      if (line.includes('OVERALL: PASSED')) overall = true;
    };
    createInterface({ input: child.stdout }).on('line', read);
    createInterface({ input: child.stderr }).on('line', read);
    child.once('exit', (code) => {
      const ok = code === 0 && overall && checks.passed > 0;
      if (!ok) process.stdout.write(output);
      resolve({ ...checks, ok });
    });
  });
}

const { child, url } = await startServer();
const problems = [];
let passes = 0;
try {
  const run = await runSuite(url);
  if (run.total === undefined || run.scenarios.size === 0) problems.push('the suite printed no summary');
  if (run.code !== 0) problems.push(`the suite exited ${run.code}`);
  for (const [name, { passed, failed }] of run.scenarios) {
    passes += passed;
    if (failed > 0 && !KNOWN_FAILURES.has(name)) problems.push(`${name}: ${failed} check(s) failed`);
    if (failed === 0 && KNOWN_FAILURES.has(name)) problems.push(`${name} passes: take it off KNOWN_FAILURES`);
  }
  for (const name of KNOWN_FAILURES.keys())
    if (!run.scenarios.has(name)) problems.push(`${name} (a known failure) did not run`);
} finally {
  child.stdin.end();
  child.kill('SIGTERM');
}
let clientPasses = 0;
try {
  for (const scenario of CLIENT_SCENARIOS) {
    const run = await runClientScenario(scenario);
    clientPasses += run.passed;
    console.log(`${run.ok ? '✓' : '✗'} client ${scenario}: ${run.passed} passed, ${run.failed} failed`);
    if (!run.ok) problems.push(`client ${scenario} failed`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
for (const [name, why] of KNOWN_FAILURES) console.log(`known failure: ${name}: ${why}`);
for (const problem of problems) console.log(`conformance-2026: ${problem}`);
console.log(
  `\nconformance-2026: server ${passes} checks passed, client ${clientPasses}: ${problems.length === 0 ? 'PASS' : 'FAIL'}`,
);
process.exit(problems.length === 0 ? 0 : 1);
