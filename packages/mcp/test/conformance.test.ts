import { spawn } from 'node:child_process';
import path from 'node:path';

// The official suite against our conformance server: `npm run conformance` in packages/mcp.
describe('the official MCP conformance suite 0.1.16', () => {
  it('passes every check of the active suite, json-schema-2020-12 and server-sse-polling', async () => {
    const child = spawn(process.execPath, [path.join(__dirname, '../scripts/conformance.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`conformance failed (exit ${String(code)}):\n${output.slice(-6000)}`);
    expect(output).toMatch(/conformance: \d+ checks passed, 0 failed: PASS/);
  }, 240_000);
});
