import { execFile } from 'node:child_process';
import path from 'node:path';

/**
 * The default logger writes every level to stderr: in a stdio MCP server stdout
 * is the protocol stream, and one supervisor report there corrupts it. Runs the
 * compiled runtime (dist/, built by `tsc -b`) in a real child process.
 */
function run(logLevel: string | undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.ERLMCP_LOG_LEVEL;
  if (logLevel !== undefined) env.ERLMCP_LOG_LEVEL = logLevel;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(__dirname, 'fixtures/restart-logs.js')],
      { env },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr });
      },
    );
  });
}

describe('default logger', () => {
  test.each([
    ['the default level (info)', undefined],
    ['every level (silly)', 'silly'],
  ])('a supervisor restart writes nothing to stdout, at %s', async (_label, level) => {
    const { code, stdout, stderr } = await run(level);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('child_terminated');
    expect(stderr).toContain('restarted worker');
    if (level === 'silly') expect(stderr).toContain('debug line from the fixture');
  });
});
