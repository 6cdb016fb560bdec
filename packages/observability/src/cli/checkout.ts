import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The erlmcp-ts repository checkout that holds `relative` (a built file such as
 * benchmarks/dist/run.js): the one given, else the first directory holding it from the
 * working directory up, else the one this package was built in (an npm workspace).
 */
export function findCheckout(relative: string, given: string | undefined): string | undefined {
  if (given !== undefined) return existsSync(path.join(given, relative)) ? path.resolve(given) : undefined;
  for (const start of [process.cwd(), path.join(__dirname, '..', '..', '..', '..')]) {
    let dir = path.resolve(start);
    for (;;) {
      if (existsSync(path.join(dir, relative))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}
