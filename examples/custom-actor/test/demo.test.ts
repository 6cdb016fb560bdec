import path from 'node:path';
import { runMain } from '../../../test-support/run-main';
import { Node, Supervisor, processInfo, whereis } from '@erlmcp/otp';
import { runDemo } from '../src/app';

test('the breaker opens, cools down and closes; the limiter crashes and is restarted full; the killed breaker comes back closed', async () => {
  const node = Node.start({ logLevel: 'silent' });
  try {
    const lines: string[] = [];
    const sup = await runDemo((line) => lines.push(line));
    expect(lines).toEqual([
      expect.stringMatching(/^guard started: limiter <0\.\d+\.0>, breaker <0\.\d+\.0>$/),
      'request 1: upstream answered request 1 (breaker closed)',
      'request 2: error: upstream failed request 2 (breaker closed)',
      'request 3: error: upstream failed request 3 (breaker open)',
      'request 4: error: circuit open: not calling the upstream (breaker open)',
      'breaker cooled down: half_open',
      'request 5: error: upstream failed request 4 (breaker open)',
      'breaker cooled down: half_open',
      'request 6: upstream answered request 5 (breaker closed)',
      expect.stringMatching(/^limiter crashed: CallExitError: .*a rate-limit key must be a string, got number$/),
      expect.stringMatching(
        /^limiter restarted: <0\.\d+\.0> -> <0\.\d+\.0> \(bucket full again: \{"tokens":8,"capacity":8\}\)$/,
      ),
      expect.stringMatching(/^breaker killed: restarted <0\.\d+\.0> -> <0\.\d+\.0> \(breaker closed\)$/),
      'request 7: upstream answered request 6 (breaker closed)',
    ]);
    expect(processInfo('limiter')?.behaviour).toBe('rate_limiter:upstream');
    await Supervisor.stop(sup);
    expect(whereis('limiter')).toBeUndefined();
    expect(whereis('breaker')).toBeUndefined();
  } finally {
    await node.stop();
  }
});

test('npm start runs the demo as a process that exits cleanly by itself', async () => {
  const main = path.join(__dirname, '..', 'dist', 'main.js');
  const { code, stdout } = await runMain(main);
  expect(code).toBe(0);
  expect(stdout).toMatch(/limiter restarted: <0\.\d+\.0> -> <0\.\d+\.0>/);
  expect(stdout).toContain('node stopped');
});
