import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(__dirname, '..', '..');

// `npm start` as a user runs it. Its build (tsc -b) has nothing to do after the build
// `npm test` starts with; from a fresh clone it compiles for tens of seconds, and
// must say so rather than print nothing.
describe('npm start', () => {
  it('says on stderr that it builds, and when the build is done, then serves', async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // Its own process group, as in a terminal, where Ctrl-C signals the whole group.
    const child = spawn(npm, ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const served = await new Promise<boolean>((resolve) => {
      void exited.then(() => resolve(false));
      createInterface({ input: child.stdout }).on('line', (line) => {
        stdout.push(line);
        if (line.startsWith('Ctrl-C stops it.')) resolve(true);
      });
    });
    // Ctrl-C: SIGINT to the whole process group. The server closes its sessions and
    // exits; npm reports the interrupted script as it always does (exit code 130).
    if (served) process.kill(-child.pid!, 'SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const end = await Promise.race([
      exited.then(() => 'exited'),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running'), 30_000))),
    ]);
    clearTimeout(timer);
    if (end === 'still running') process.kill(-child.pid!, 'SIGKILL');
    expect({ served, end }).toEqual({ served: true, end: 'exited' });
    expect(stderr[0]).toBe('npm start: building examples/mcp-server and the packages it uses (tsc -b)...');
    expect(stderr[1]).toMatch(/^npm start: built in \d+\.\d s$/);
    expect(stdout[0]).toBe('erlmcp example MCP server');
    expect(stdout.join('\n')).toMatch(/SIGINT: every session closed/);
  });
});
