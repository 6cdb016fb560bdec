#!/usr/bin/env node
// npm run conformance: starts our conformance server (test/conformance/server.ts) on
// 127.0.0.1 on a free port, runs the official suite against it (the active suite, then
// json-schema-2020-12 and server-sse-polling), stops the server, and exits non-zero if any
// check failed. Node 20 lacks fs.globSync, which the suite imports: fs-glob-register.mjs
// supplies it.
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import { scratchDir, spawnSuite, startServer, suiteCli } from './conformance-common.mjs';

const cli = suiteCli('@modelcontextprotocol/conformance');
// The suite writes results/ under its working directory: keep that out of the tree.
const scratch = scratchDir('mcp-conformance-');
const runs = [
  ['--suite', 'active'],
  ['--scenario', 'json-schema-2020-12'],
  ['--scenario', 'server-sse-polling'],
];

/** Runs the suite once; resolves with its exit code and the failures its summary counted. */
function runSuite(url, args) {
  return new Promise((resolve) => {
    const child = spawnSuite(cli, ['server', '--url', url, ...args], {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let failures = 0;
    let passes = 0;
    createInterface({ input: child.stdout }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      // "Total: 40 passed, 0 failed" (a suite) or "Passed: 4/4, 0 failed, 0 warnings" (one scenario)
      const total = /^(?:Total: (\d+) passed|Passed: (\d+)\/\d+), (\d+) failed/.exec(line);
      if (total) {
        passes += Number(total[1] ?? total[2]);
        failures += Number(total[3]);
      }
    });
    child.once('exit', (code) => resolve({ code: code ?? 1, passes, failures }));
  });
}

const { child, url } = await startServer();
let exitCode = 0;
let passes = 0;
let failures = 0;
try {
  for (const args of runs) {
    const run = await runSuite(url, args);
    passes += run.passes;
    failures += run.failures;
    // A run whose summary we could not read counts as failed too.
    if (run.code !== 0 || run.passes === 0) exitCode = 1;
  }
  if (failures > 0) exitCode = 1;
  console.log(`\nconformance: ${passes} checks passed, ${failures} failed: ${exitCode === 0 ? 'PASS' : 'FAIL'}`);
} finally {
  child.stdin.end();
  child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
