import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');

/** The workspace folders the root package.json names ("dir/*" or "dir"). */
function workspaceFolders(): string[] {
  const { workspaces } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(path.join(ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
}

// `npm ci --dry-run` reads the lockfile and runs npm's own engine check on every
// package it would install, without fetching or writing anything. It runs in a copy
// of the manifests, so that a dry run cannot touch this checkout's node_modules.
describe('npm ci from the lockfile', () => {
  it('prints no EBADENGINE warning on the Node that runs the tests', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'erlmcp-npm-ci-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, file), path.join(dir, file));
      for (const folder of workspaceFolders()) {
        mkdirSync(path.join(dir, folder), { recursive: true });
        cpSync(path.join(ROOT, folder, 'package.json'), path.join(dir, folder, 'package.json'));
      }
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const { stdout, stderr } = await promisify(execFile)(
        npm,
        ['ci', '--dry-run', '--no-audit', '--no-fund', '--offline'],
        {
          cwd: dir,
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      const output = `${stdout}\n${stderr}`;
      expect(output).toMatch(/added \d+ packages/);
      expect(output.split('\n').filter((line) => line.includes('EBADENGINE'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
