import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Node } from '@erlmcp/otp';
import { Observer, observabilityRoutes } from '@erlmcp/observability';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// The built bin, as npm links it (npm test builds first).
const BIN = path.join(__dirname, '..', 'dist', 'cli', 'main.js');

function erlmcp(args: string[], cwd = tmpdir()): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** A stand-in checkout whose run.js and main.js print what they were given and exit with a code we choose. */
function fakeCheckout(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'erlmcp-cli-'));
  mkdirSync(path.join(root, 'benchmarks', 'dist'), { recursive: true });
  mkdirSync(path.join(root, 'examples', 'mcp-server', 'dist'), { recursive: true });
  writeFileSync(
    path.join(root, 'benchmarks', 'dist', 'run.js'),
    "console.log(JSON.stringify({ args: process.argv.slice(2), gc: typeof gc === 'function', cwd: process.cwd() })); process.exitCode = process.argv.includes('--fail') ? 7 : 0;\n",
  );
  writeFileSync(
    path.join(root, 'examples', 'mcp-server', 'dist', 'main.js'),
    'console.log(JSON.stringify({ port: process.env.PORT }));\n',
  );
  return root;
}

describe('the erlmcp command line', () => {
  let repo: string;
  beforeAll(() => {
    repo = fakeCheckout();
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('lists its commands and exit codes with --help, and exits 0', async () => {
    const { code, stdout } = await erlmcp(['--help']);
    expect(code).toBe(0);
    for (const command of ['start', 'bench', 'report', 'project', 'observer'])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(stdout).toMatch(/Exit codes:\n {2}0 {2}done/);
  });

  it.each(['start', 'bench', 'report', 'project', 'observer'])('has --help for %s (exit 0)', async (command) => {
    const { code, stdout } = await erlmcp([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: erlmcp ${command}`));
    expect(stdout).toMatch(/Exit codes:/);
    if (command !== 'observer') expect(stdout).toMatch(/Needs the erlmcp-ts repository checkout/);
  });

  it('exits 2 on bad usage', async () => {
    for (const args of [
      ['nope'],
      ['project'],
      ['project', '--connections', 'many'],
      ['project', '--connections', '0'],
      ['start', '--port', '70000'],
      ['observer', '--bogus'],
    ]) {
      const { code, stderr } = await erlmcp(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toMatch(/error:/);
    }
  });

  it('exits 3 when the checkout it needs is not there', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'erlmcp-empty-'));
    for (const args of [
      ['--repo', empty, 'bench'],
      ['--repo', empty, 'report'],
      ['--repo', empty, 'project', '-c', '5'],
      ['--repo', empty, 'start'],
    ]) {
      const { code, stderr } = await erlmcp(args);
      expect({ args, code }).toEqual({ args, code: 3 });
      expect(stderr).toMatch(/not found/);
    }
    rmSync(empty, { recursive: true });
  });

  it("runs the suite's commands in the checkout, passes their arguments, and exits with their code", async () => {
    const bench = await erlmcp(['--repo', repo, 'bench', 'otp', '--smoke', '--only', 'a,b']);
    expect(bench.code).toBe(0);
    expect(JSON.parse(bench.stdout)).toEqual({ args: ['otp', '--smoke', '--only', 'a,b'], gc: true, cwd: repo });
    expect(JSON.parse((await erlmcp(['--repo', repo, 'report'])).stdout).args).toEqual(['report']);
    expect(JSON.parse((await erlmcp(['--repo', repo, 'project', '--connections', '500000'])).stdout).args).toEqual([
      'project',
      '--connections',
      '500000',
    ]);
    expect((await erlmcp(['--repo', repo, 'bench', '--fail'])).code).toBe(7);
    // Found from the working directory up, without --repo.
    const nested = path.join(repo, 'benchmarks', 'results');
    mkdirSync(nested, { recursive: true });
    expect(JSON.parse((await erlmcp(['report'], nested)).stdout).cwd).toBe(repo);
  });

  it('starts the server with the port it was given', async () => {
    const { code, stdout } = await erlmcp(['--repo', repo, 'start', '--port', '4123']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ port: '4123' });
  });

  describe('observer', () => {
    let node: Node;
    let observer: Observer;
    let server: Server;
    let url: string;

    beforeAll(async () => {
      node = Node.start({ schedulers: 1, logLevel: 'silent' });
      observer = new Observer();
      const routes = observabilityRoutes({ observer, check: () => ({ ok: true }) });
      server = createServer((req, res) => {
        if (!routes(req, res)) res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/observer/`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      observer.close();
      await node.stop();
    });

    it('prints the URL of an observer that answers (exit 0), and exits 4 when none does', async () => {
      const found = await erlmcp(['observer', '--url', url, '--no-open']);
      expect(found).toMatchObject({ code: 0, stdout: `${url}\n` });
      const port = (server.address() as AddressInfo).port;
      expect((await erlmcp(['observer', '--port', String(port), '--no-open'])).code).toBe(0);
      const missing = await erlmcp(['observer', '--url', 'http://127.0.0.1:9/observer/', '--no-open']);
      expect(missing.code).toBe(4);
      expect(missing.stderr).toMatch(/no observer answered/);
    });
  });
});
