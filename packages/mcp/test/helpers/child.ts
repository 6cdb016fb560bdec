import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/** How to run a TypeScript fixture in a child process without a build: ts-node, transpile only. */
export function tsFixture(name: string): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return {
    command: process.execPath,
    args: ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '../fixtures', name)],
    env: {
      ...process.env,
      TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.test.json'),
      // TypeScript 6 wants rootDir spelled out when sources span folders.
      TS_NODE_COMPILER_OPTIONS: JSON.stringify({ rootDir: ROOT }),
    },
  };
}

export function jsFixture(name: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [path.join(__dirname, '../fixtures', name)] };
}

export const REPO_ROOT = ROOT;
