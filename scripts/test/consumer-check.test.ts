import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

// SLOW, by design: packs every package (each prepack runs tsc -b, a no-op after the
// build `npm test` starts with), installs the tarballs in a new project under the OS
// temp folder (third-party packages from the npm cache), compiles an app there with
// its own tsc, and runs it: about 15 s on an idle 2-core machine. Each step has its own
// timeout in the script; this one bounds the whole.
const LIMIT_MS = 480_000;

describe('the packages, used from another project', () => {
  it(
    'pack, install from the tarballs, compile against their types and run: a supervision tree, ETS from a worker scheduler, an MCP tool over HTTP, the mcp README quick start, the mcp client installed alone',
    async () => {
      const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'consumer-check.mjs')], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS - 10_000);
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      clearTimeout(timer);
      // The whole transcript, so that a failure says which check failed.
      expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('consumer check passed') });
      expect(output).toContain('app: tally ran on another thread: true, counted 1000');
      expect(output).toContain('app: modules loaded from outside this project: worker thread [], main thread []');
      expect(output).toContain('app: mcp 127.0.0.1: tools hits; hits(/home) = [{"type":"text","text":"1000"}]');
      expect(output).toContain('app: esm: function,function,function,function; lookup [["k",1]]');
      // The mcp README's quick start, compiled from the README, over stdio.
      expect(output).toContain("app: { city: 'Oslo', celsius: 14 }");
      // @erlmcp/mcp installed alone, its client used without the runtime.
      expect(output).toContain('app: client only: forecast {"city":"Lima","celsius":14}');
      expect(output).toContain('app: client only: @erlmcp/otp installed: false');
      expect(output).toContain('app: client only: runtime modules loaded: []');
    },
    LIMIT_MS,
  );
});
