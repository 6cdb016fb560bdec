import { fork } from 'node:child_process';
import type { Measurement, SideRuntime } from './types';

export type Side = 'ours' | 'peer';

/**
 * Runs one measurement in a fresh Node process, so neither side inherits the
 * other's JIT state, garbage or open handles.
 */
export function measureInChild(
  entry: string,
  category: string,
  scenario: string,
  side: Side,
  size: number,
  runtime: SideRuntime = {},
): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = fork(entry, ['--child', category, scenario, side, String(size)], {
      execArgv: ['--expose-gc', ...(runtime.execArgv ?? ['--max-old-space-size=4096'])],
      env: runtime.env === undefined ? process.env : { ...process.env, ...runtime.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: Measurement | undefined;
    child.on('message', (message: { ok?: Measurement; error?: string }) => {
      if (message.error !== undefined) reject(new Error(`${category}/${scenario}/${side}: ${message.error}`));
      else result = message.ok;
    });
    child.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`${category}/${scenario}/${side} exited with ${code} before reporting`));
    });
  });
}
