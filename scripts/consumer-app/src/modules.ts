import path from 'node:path';

const PROJECT = path.resolve(__dirname, '..') + path.sep;

/** The CommonJS modules this thread loaded from anywhere but this project (its node_modules included). */
export function outsideThisProject(): string[] {
  return Object.keys(require.cache).filter((file) => !file.startsWith(PROJECT));
}
