import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const MAIN = path.join(__dirname, '..', 'dist', 'main.js');

test('runs end to end against the local test server when no endpoint is configured, and prints each answer and the savings', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, LLM_INPUTS: '30' };
  delete env.OPENAI_BASE_URL;
  const { stdout } = await promisify(execFile)(process.execPath, [MAIN], { env });
  expect(stdout).toMatch(/^No OPENAI_BASE_URL set: using the local test server at http:\/\/127\.0\.0\.1:\d+\/v1/);
  const answers = stdout.split('\n').filter((line) => / -> /.test(line));
  expect(answers).toHaveLength(30);
  for (const line of answers)
    expect(line).toMatch(
      / -> (billing|account_access|bug|outage|performance|feature_request|how_to|security|other) p[1-4]$/,
    );
  // 30 tickets at 20 per request: two requests.
  expect(stdout).toMatch(/30 tickets in 2 batches/);
  const saved = Number(/: ([\d.]+)% input tokens saved/.exec(stdout)![1]);
  expect(saved).toBeGreaterThan(50);
});
