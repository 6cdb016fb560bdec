import { execFile } from 'node:child_process';

/** Runs an example's compiled main as `npm start` would (logging silenced); resolves with its exit code and stdout. */
export function runMain(main: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [main],
      { env: { ...process.env, ERLMCP_LOG_LEVEL: 'silent' }, timeout: 30_000 },
      (error, out) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout: out }),
    );
    child.stdin?.end();
  });
}
