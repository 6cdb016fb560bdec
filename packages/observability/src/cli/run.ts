import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { ExitCode } from './exit-codes';

/**
 * Runs `node [nodeArgs] script [args]` in `cwd` with this terminal, forwarding SIGINT and
 * SIGTERM; resolves with its exit code (128 + signal number when a signal ended it, as
 * shells report it).
 */
export function runNode(
  script: string,
  args: readonly string[],
  options: { cwd: string; nodeArgs?: readonly string[]; env?: NodeJS.ProcessEnv },
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
      cwd: options.cwd,
      stdio: 'inherit',
      env: options.env ?? process.env,
    });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = (code: number): void => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code);
    };
    child.on('error', () => done(ExitCode.Failed));
    child.on('exit', (code, signal) =>
      done(code ?? (signal === null ? ExitCode.Failed : 128 + (constants.signals[signal] ?? 0))),
    );
  });
}
