#!/usr/bin/env node
// A package's `prepack` (npm runs it in the package's folder before `npm pack` and
// `npm publish`): builds the package and what it references (tsc -b), removes build
// outputs whose source is gone (a renamed file leaves its old .js behind, and npm
// would ship it), and copies the repository's LICENSE in unless the package has its own
// (postpack takes the copy out).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = process.cwd();
const OUTPUT = /\.(?:d\.ts\.map|js\.map|d\.ts|js)$/;

/** Files under dir, relative to it. */
function walk(dir, prefix = '') {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(prefix, entry.name);
    return entry.isDirectory() ? walk(dir, rel) : [rel];
  });
}

// A package with WebAssembly kernels builds them first (tsc -b does not).
const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
if (manifest.scripts?.['build:wasm'] !== undefined) {
  console.error(`prepack ${path.relative(ROOT, pkg)}: building WebAssembly (npm run build:wasm)`);
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build:wasm'], { cwd: pkg, stdio: 'inherit' });
}

const tsc = createRequire(path.join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
console.error(`prepack ${path.relative(ROOT, pkg)}: building (tsc -b)`);
execFileSync(process.execPath, [tsc, '-b'], { cwd: pkg, stdio: 'inherit' });

const dist = path.join(pkg, 'dist');
for (const file of existsSync(dist) ? walk(dist) : []) {
  const source = path.join(pkg, 'src', file.replace(OUTPUT, '.ts'));
  if (OUTPUT.test(file) && !existsSync(source)) {
    rmSync(path.join(dist, file));
    console.error(`prepack ${path.relative(ROOT, pkg)}: removed dist/${file} (no ${path.relative(pkg, source)})`);
  }
}

// A package with a license of its own keeps it.
const license = path.join(pkg, 'LICENSE');
if (!existsSync(license)) copyFileSync(path.join(ROOT, 'LICENSE'), license);
