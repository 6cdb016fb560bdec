import { fork } from 'node:child_process';
import type { Measurement, SideRuntime } from './types';

export type Side = 'ours' | 'peer';

/** Set to '1' in a child's environment (and so its own children's) in the mixed mode. */
export const MIXED_ENV = 'ERLMCP_BENCH_MIXED';

/** Whether this process runs in the mixed mode. */
export function inMixedMode(): boolean {
  return process.env[MIXED_ENV] === '1';
}

/**
 * Runs one measurement in a fresh Node process, so neither side inherits the
 * other's JIT state, garbage or open handles.
 */
export function measureInChild<T = Measurement>(
  entry: string,
  category: string,
  scenario: string,
  side: Side | 'paired',
  size: number,
  runtime: SideRuntime = {},
  mixed = false,
): Promise<T> {
  const env = { ...process.env, ...runtime.env, [MIXED_ENV]: mixed ? '1' : '0' };
  return new Promise((resolve, reject) => {
    const child = fork(entry, [category, scenario, side, String(size)], {
      execArgv: ['--expose-gc', ...(runtime.execArgv ?? ['--max-old-space-size=4096'])],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: T | undefined;
    child.on('message', (message: { ok?: T; error?: string }) => {
      if (message.error !== undefined) reject(new Error(`${category}/${scenario}/${side}: ${message.error}`));
      else result = message.ok;
    });
    child.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`${category}/${scenario}/${side} exited with ${code} before reporting`));
    });
  });
}
