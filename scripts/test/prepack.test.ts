import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
const run = (script: string, cwd: string) =>
  promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', script)], { cwd });

/** A package folder under the OS temp folder: two sources, and outputs of a third that was removed. */
function fixturePackage(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'erlmcp-prepack-'));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write('package.json', JSON.stringify({ name: 'fixture', version: '1.0.0' }));
  write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        rootDir: 'src',
        outDir: 'dist',
        module: 'nodenext',
        target: 'ES2022',
        declaration: true,
        declarationMap: true,
        sourceMap: true,
        types: [],
      },
      include: ['src'],
    }),
  );
  write('src/index.ts', "export { two } from './sub/two';\n");
  write('src/sub/two.ts', 'export const two = 2;\n');
  for (const stale of [
    'dist/renamed.js',
    'dist/renamed.js.map',
    'dist/renamed.d.ts',
    'dist/renamed.d.ts.map',
    'dist/sub/gone.js',
  ])
    write(stale, '// stale\n');
  return dir;
}

describe("a package's prepack and postpack", () => {
  let dir: string;
  beforeEach(() => {
    dir = fixturePackage();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('builds, removes outputs whose source is gone, and lends the repository LICENSE for the pack only', async () => {
    await run('prepack.mjs', dir);
    for (const built of ['index.js', 'index.js.map', 'index.d.ts', 'index.d.ts.map', 'sub/two.js', 'sub/two.d.ts']) {
      expect(existsSync(path.join(dir, 'dist', built))).toBe(true);
    }
    for (const stale of ['renamed.js', 'renamed.js.map', 'renamed.d.ts', 'renamed.d.ts.map', 'sub/gone.js']) {
      expect(existsSync(path.join(dir, 'dist', stale))).toBe(false);
    }
    expect(readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toBe(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'));
    await run('postpack.mjs', dir);
    expect(existsSync(path.join(dir, 'LICENSE'))).toBe(false);
  });

  it("leaves a package's own LICENSE alone", async () => {
    writeFileSync(path.join(dir, 'LICENSE'), 'MIT, for this one\n');
    await run('prepack.mjs', dir);
    await run('postpack.mjs', dir);
    expect(readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toBe('MIT, for this one\n');
  });
});
