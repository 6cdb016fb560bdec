// What both conformance runners share: where a release of the official suite keeps its CLI,
// a scratch folder for the results/ it writes under its working directory, our conformance
// server (test/conformance/server.ts, through ts-node) started on a free port, and the suite's
// CLI spawned with fs.globSync supplied for Node 20 (fs-glob-register.mjs).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
export const require = createRequire(import.meta.url);

/** Environment for our TypeScript conformance server and client, run by ts-node from the repository. */
export const tsNodeEnv = {
  TS_NODE_PROJECT: path.join(root, 'tsconfig.test.json'),
  TS_NODE_COMPILER_OPTIONS: JSON.stringify({ rootDir: root }),
};

/** The CLI of an installed release of the suite (`@modelcontextprotocol/conformance` or an alias). */
export function suiteCli(pkg) {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'dist/index.js');
}

/** A folder of its own for the results/ the suite writes: kept out of the tree. */
export function scratchDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Starts our conformance server; resolves with the child and the URL it printed. */
export function startServer() {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(here, '../test/conformance/server.ts')],
    { env: { ...process.env, ...tsNodeEnv }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`conformance server exited (${code}) before listening`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, url: JSON.parse(line).url }));
  });
}

/** Spawns the suite's CLI with `args` in `cwd`. */
export function spawnSuite(cli, args, options) {
  return spawn(process.execPath, ['--import', path.join(here, 'fs-glob-register.mjs'), cli, ...args], options);
}
