#!/usr/bin/env node
// Uses the packages as someone else's project would: packs every package under
// packages/ (`npm pack`, which runs each one's prepack build), installs the tarballs
// into a new project under the OS temp folder (outside this workspace, so nothing
// resolves through its node_modules), checks what each tarball ships, compiles a
// small TypeScript app against them with that project's own tsc, and runs it.
//
//   node scripts/consumer-check.mjs [--keep]     (--keep leaves the temp folder)
//
// Third-party packages come from the npm cache that `npm ci` filled
// (--prefer-offline); the registry is asked only for what the cache lacks.
// A second project installs the @erlmcp/mcp tarball alone and uses its client entry,
// without the runtime (@erlmcp/otp is an optional peer of @erlmcp/mcp).
// Exits 0 and prints "consumer check passed" when every check holds.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APP_SOURCE = path.join(ROOT, 'scripts', 'consumer-app');
const CLIENT_APP_SOURCE = path.join(ROOT, 'scripts', 'consumer-client-app');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Every child process is bounded; the whole check takes well under this sum. */
const TIMEOUT_MS = { pack: 300_000, install: 300_000, compile: 180_000, run: 60_000 };

/** What the app prints, in order, line by line. */
const EXPECTED_MAIN = [
  'counter: 42',
  'tally ran on another thread: true, counted 1000',
  'modules loaded from outside this project: worker thread [], main thread []',
  'hits read on the main thread: 1000',
  'mcp 127.0.0.1: tools hits; hits(/home) = [{"type":"text","text":"1000"}]',
  'children: registry,counter,tally',
  'stopped',
];
const EXPECTED_ESM = ['esm: function,function,function,function; lookup [["k",1]]'];
const EXPECTED_CLIENT_ONLY = [
  'client only: forecast {"city":"Lima","celsius":14}',
  'client only: @erlmcp/otp installed: false',
  'client only: runtime modules loaded: []',
];
const MCP_README = path.join(ROOT, 'packages', 'mcp', 'README.md');

/**
 * The quick start of the mcp README: its weather-server.ts and weather-client.ts blocks,
 * compiled here as they stand, and the output it says the client prints.
 */
function readmeQuickStart() {
  const text = readFileSync(MCP_README, 'utf8');
  const blocks = [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1],
    code: m[2],
    at: m.index,
  }));
  const file = (name) => blocks.find((b) => b.lang === 'ts' && b.code.startsWith(`// ${name}\n`))?.code;
  const outputAt = text.indexOf('The output is:');
  const output = blocks.find((b) => b.lang === '' && b.at > outputAt)?.code;
  const server = file('weather-server.ts');
  const client = file('weather-client.ts');
  if (server === undefined || client === undefined || outputAt < 0 || output === undefined) {
    throw new Error(`${MCP_README}: no weather-server.ts, weather-client.ts and "The output is:" blocks`);
  }
  return { server, client, output: output.split('\n').filter((line) => line !== '') };
}

const failures = [];
const check = (ok, message) => {
  if (!ok) failures.push(message);
};
const log = (message) => console.log(`consumer-check: ${message}`);

function run(command, args, { cwd, timeout }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(
      command,
      args,
      { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        if (error) {
          const why = error.killed ? `timed out after ${timeout} ms` : `exit code ${error.code}`;
          reject(
            new Error(`${command} ${args.join(' ')} (in ${cwd}): ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`),
          );
        } else resolve({ stdout, stderr, seconds });
      },
    );
  });
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Every file under dir, relative to it. */
function walk(dir, prefix = '') {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(prefix, entry.name);
    return entry.isDirectory() ? walk(dir, rel) : [rel];
  });
}

/** The packages to publish: every non-private folder under packages/. */
function publishable() {
  return readdirSync(path.join(ROOT, 'packages'))
    .map((folder) => ({ folder: `packages/${folder}`, file: path.join(ROOT, 'packages', folder, 'package.json') }))
    .filter(({ file }) => existsSync(file) && !readJson(file).private)
    .map(({ folder, file }) => ({ folder, name: readJson(file).name }));
}

/** What an installed package ships, checked against what its manifest promises. */
function checkInstalled(dir, name, installedVersions) {
  const manifest = readJson(path.join(dir, 'package.json'));
  const files = walk(dir);
  const where = (what) => `${name}: ${what}`;
  check(/^\d+\.\d+\.\d+/.test(manifest.version ?? ''), where('no version'));
  check(manifest.license === 'Apache-2.0', where(`license is ${manifest.license}, not Apache-2.0`));
  check(typeof manifest.description === 'string' && manifest.description.length > 0, where('no description'));
  // The project has no public repository yet: once it has, the root names it and every package follows.
  const repository = readJson(path.join(ROOT, 'package.json')).repository?.url;
  if (repository !== undefined) {
    check(
      manifest.repository?.url === repository && manifest.repository?.directory === `packages/${name.split('/')[1]}`,
      where(`repository is not { url: ${repository}, directory }`),
    );
  } else check(manifest.repository === undefined, where('names a repository the root does not'));
  check(
    existsSync(path.join(dir, 'LICENSE')) &&
      readFileSync(path.join(dir, 'LICENSE'), 'utf8') === readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'),
    where('LICENSE missing or not the repository LICENSE'),
  );
  check(existsSync(path.join(dir, 'README.md')), where('README.md missing'));
  const entry = manifest.exports?.['.'];
  check(entry !== undefined && typeof entry === 'object', where('no exports["."]'));
  for (const condition of ['types', 'require', 'default']) {
    const target = entry?.[condition];
    check(
      typeof target === 'string' && existsSync(path.join(dir, target)),
      where(`exports["."].${condition} (${target}) is not a file in the package`),
    );
  }
  check(
    typeof manifest.types === 'string' && existsSync(path.join(dir, manifest.types)),
    where(`types (${manifest.types}) is not a file in the package`),
  );
  // Only the build, its sources (src/, and assembly/ for WebAssembly kernels), README and
  // LICENSE: no tests, build state or fixtures.
  const stray = files.filter(
    (f) => !/^(dist|src|assembly)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f),
  );
  check(stray.length === 0, where(`ships files outside dist/, src/ and assembly/: ${stray.join(', ')}`));
  if (manifest.scripts?.['build:wasm'] !== undefined) {
    check(
      files.some((f) => /^dist\/.*\.wasm$/.test(f)),
      where('has a build:wasm script but ships no dist/**/*.wasm'),
    );
  }
  const junk = files.filter((f) => /(^|\/)test\/|\.test\.|\.tsbuildinfo$|(^|\/)fixtures\//.test(f));
  check(junk.length === 0, where(`ships tests or build state: ${junk.join(', ')}`));
  // src/ is shipped so that source maps and declaration maps resolve: each one must.
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const { sources = [], sourceRoot = '' } = readJson(path.join(dir, map));
    for (const source of sources) {
      const target = path.resolve(path.dirname(path.join(dir, map)), sourceRoot, source);
      check(existsSync(target), where(`${map} points to ${path.relative(dir, target)}, which is not shipped`));
    }
  }
  // Every compiled file has its source, so nothing stale from a renamed file is shipped.
  for (const js of files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'))) {
    const source = js.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
    check(existsSync(path.join(dir, source)), where(`${js} has no source (${source}): a stale build output`));
  }
  // Dependencies between @erlmcp packages resolve to the tarballs installed beside it.
  for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    check(
      !/^(file|link|workspace):/.test(range),
      where(`dependency ${dep}@${range} cannot resolve outside the repository`),
    );
    if (dep.startsWith('@erlmcp/'))
      check(
        installedVersions.get(dep) === range,
        where(`depends on ${dep}@${range}, installed ${installedVersions.get(dep)}`),
      );
  }
  // One copy of each: a second @erlmcp/otp would be a second runtime.
  check(!existsSync(path.join(dir, 'node_modules', '@erlmcp')), where('has a nested copy of an @erlmcp package'));
}

const prefixed = (text) => text.replace(/^(?=.)/gm, 'app: ');

function compareLines(label, stdout, expected) {
  const lines = stdout.split('\n').filter((line) => line !== '');
  check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `${label} printed\n  ${lines.join('\n  ')}\nexpected\n  ${expected.join('\n  ')}`,
  );
}

/** A user's project in `dir`: its own TypeScript and Node types, at the repository's versions, and the sources of `source`. */
function newProject(dir, name, source) {
  const rootDev = readJson(path.join(ROOT, 'package.json')).devDependencies;
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name, version: '1.0.0', private: true, devDependencies: { typescript: rootDev.typescript, '@types/node': rootDev['@types/node'] } }, null, 2)}\n`,
  );
  cpSync(path.join(source, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  cpSync(path.join(source, 'src'), path.join(dir, 'src'), { recursive: true });
}

/**
 * The client alone: a project that installs only the @erlmcp/mcp tarball (npm leaves out its
 * optional peer @erlmcp/otp), compiles against @erlmcp/mcp/client and calls the weather
 * server of the main project over stdio.
 */
async function clientOnly(work, tarballs, files, weatherServer) {
  const dir = path.join(work, 'client-only');
  newProject(dir, 'erlmcp-client-only', CLIENT_APP_SOURCE);
  const mcp = files.find((f) => /^erlmcp-mcp-\d/.test(f));
  check(mcp !== undefined, `no @erlmcp/mcp tarball among ${files.join(' ')}`);
  if (mcp === undefined) return;
  const installed = await run(
    NPM,
    ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tarballs, mcp)],
    { cwd: dir, timeout: TIMEOUT_MS.install },
  );
  log(`client only: installed @erlmcp/mcp alone in ${installed.seconds} s`);
  for (const line of `${installed.stdout}\n${installed.stderr}`.split('\n')) {
    check(!/EBADENGINE|ERESOLVE|peer dep/i.test(line), `client only: npm install warned: ${line}`);
  }
  const erlmcp = path.join(dir, 'node_modules', '@erlmcp');
  const present = existsSync(erlmcp) ? readdirSync(erlmcp) : [];
  check(
    JSON.stringify(present) === '["mcp"]',
    `client only: node_modules/@erlmcp holds ${JSON.stringify(present)}, not only mcp`,
  );
  for (const name of ['winston', 'msgpackr', 'comlink'])
    check(!existsSync(path.join(dir, 'node_modules', name)), `client only: ${name} was installed`);
  await run(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
    cwd: dir,
    timeout: TIMEOUT_MS.compile,
  });
  const ran = await run(process.execPath, [path.join(dir, 'dist', 'main.js'), weatherServer], {
    cwd: dir,
    timeout: TIMEOUT_MS.run,
  });
  process.stdout.write(prefixed(ran.stdout));
  compareLines('the client-only project (dist/main.js)', ran.stdout, EXPECTED_CLIENT_ONLY);
}

async function main() {
  const keep = process.argv.includes('--keep');
  const work = mkdtempSync(path.join(os.tmpdir(), 'erlmcp-consumer-'));
  const tarballs = path.join(work, 'tarballs');
  const app = path.join(work, 'app');
  mkdirSync(tarballs);
  log(`working in ${work}`);
  try {
    const packages = publishable();
    const packed = await run(
      NPM,
      ['pack', ...packages.flatMap((p) => ['-w', p.folder]), '--pack-destination', tarballs],
      { cwd: ROOT, timeout: TIMEOUT_MS.pack },
    );
    const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz'));
    log(`packed ${files.length} tarballs in ${packed.seconds} s: ${files.join(' ')}`);
    check(files.length === packages.length, `packed ${files.length} tarballs for ${packages.length} packages`);

    newProject(app, 'erlmcp-consumer', APP_SOURCE);
    const quickStart = readmeQuickStart();
    writeFileSync(path.join(app, 'src', 'weather-server.ts'), quickStart.server);
    writeFileSync(path.join(app, 'src', 'weather-client.ts'), quickStart.client);
    const installed = await run(
      NPM,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', ...files.map((f) => path.join(tarballs, f))],
      {
        cwd: app,
        timeout: TIMEOUT_MS.install,
      },
    );
    log(`installed in ${installed.seconds} s`);
    for (const line of `${installed.stdout}\n${installed.stderr}`.split('\n')) {
      check(!/EBADENGINE|ERESOLVE|peer dep/i.test(line), `npm install warned: ${line}`);
    }

    const versions = new Map(
      packages.map((p) => [p.name, readJson(path.join(app, 'node_modules', p.name, 'package.json')).version]),
    );
    for (const { name } of packages) checkInstalled(path.join(app, 'node_modules', name), name, versions);

    const compiled = await run(
      process.execPath,
      [path.join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app],
      { cwd: app, timeout: TIMEOUT_MS.compile },
    );
    log(`compiled with the project's tsc in ${compiled.seconds} s`);

    const main = await run(process.execPath, [path.join(app, 'dist', 'main.js')], {
      cwd: app,
      timeout: TIMEOUT_MS.run,
    });
    process.stdout.write(prefixed(main.stdout));
    compareLines('dist/main.js', main.stdout, EXPECTED_MAIN);
    // logLevel 'warn': a warning or an error report (a crash, a child killed at shutdown) is a failure.
    check(main.stderr === '', `dist/main.js wrote to stderr:\n${main.stderr}`);
    const esm = await run(process.execPath, [path.join(app, 'dist', 'esm-check.mjs')], {
      cwd: app,
      timeout: TIMEOUT_MS.run,
    });
    process.stdout.write(prefixed(esm.stdout));
    compareLines('dist/esm-check.mjs', esm.stdout, EXPECTED_ESM);
    const weather = await run(process.execPath, [path.join(app, 'dist', 'weather-client.js')], {
      cwd: app,
      timeout: TIMEOUT_MS.run,
    });
    process.stdout.write(prefixed(weather.stdout));
    compareLines('the mcp README quick start (dist/weather-client.js)', weather.stdout, quickStart.output);
    await clientOnly(work, tarballs, files, path.join(app, 'dist', 'weather-server.js'));
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`consumer check FAILED:\n- ${failures.join('\n- ')}`);
    process.exitCode = 1;
  } else log('consumer check passed');
}

await main();
