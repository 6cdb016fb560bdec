import { execFile } from 'node:child_process';
import path from 'node:path';
import { Node } from '@erlmcp/otp';
import { runDemo } from '../src/app';

test('rows stream in order, tokens come one by one, and the figures are the measured ones', async () => {
  const node = Node.start({ schedulers: 2, logLevel: 'silent' });
  try {
    const lines: string[] = [];
    const { chunkStarts, tokenOutputs, stats } = await runDemo((line) => lines.push(line), {
      n: 300,
      heads: 2,
      d: 32,
      prompt: 40,
      tokens: 3,
    });
    expect(chunkStarts).toEqual(Array.from({ length: Math.ceil(300 / 32) }, (_, i) => i * 32));
    expect(tokenOutputs.map((t) => t.length)).toEqual([64, 64, 64]);
    // The prefill, the prompt and three tokens: five requests, 300 + 40 + 3 rows.
    expect(stats.requests.completed).toBe(5);
    expect(stats.rows).toBe(343);
    expect(lines.some((l) => l.startsWith('  first rows after'))).toBe(true);
    expect(lines.filter((l) => /^ {2}token \d+: /.test(l))).toHaveLength(3);
  } finally {
    await node.stop();
  }
});

test('the built program runs as a process and exits cleanly by itself', async () => {
  const main = path.join(__dirname, '..', 'dist', 'main.js');
  const env = {
    ...process.env,
    ERLMCP_LOG_LEVEL: 'silent',
    ATTENTION_N: '256',
    ATTENTION_PROMPT: '64',
    ATTENTION_TOKENS: '2',
  };
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(process.execPath, [main], { env, timeout: 60_000 }, (error, out) =>
      resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout: out }),
    );
  });
  expect(code).toBe(0);
  expect(stdout).toMatch(/rows 0\.\.31 of 256 at/);
  expect(stdout).toMatch(/token 66: /);
  expect(stdout).toContain('node stopped');
});
