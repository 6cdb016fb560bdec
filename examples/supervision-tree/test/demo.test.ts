import path from 'node:path';
import { runMain } from '../../../test-support/run-main';
import { Node, processInfo, whereis } from '@erlmcp/otp';
import { runDemo } from '../src/app';

test('the calculator crashes on a bad message, is restarted, and the rest of the tree is untouched', async () => {
  const node = Node.start({ logLevel: 'silent' });
  try {
    const lines: string[] = [];
    const { crashedPid, restartedPid, app } = await runDemo((line) => lines.push(line));
    const greeter = whereis('greeter');
    expect(processInfo(crashedPid)).toBeUndefined();
    expect(processInfo(restartedPid)?.name).toBe('calculator');
    expect(lines).toContain(
      `the call failed with CallExitError: ${crashedPid} exited during call: crash in handleCall: cannot divide 1 by zero`,
    );
    expect(lines).toContain(`calculator restarted: ${crashedPid} -> ${restartedPid}; its total starts again at 0`);
    // The tree printed after the restart shows the new calculator and the same greeter.
    const after = lines.slice(lines.indexOf('supervision tree after the restart:'));
    expect(after.some((l) => l.includes(`calculator ${restartedPid}`))).toBe(true);
    expect(after.some((l) => l.includes(`greeter ${greeter}`))).toBe(true);
    await app.stop();
    expect(whereis('greeter')).toBeUndefined();
  } finally {
    await node.stop();
  }
});

test('npm start runs the demo as a process that exits cleanly by itself', async () => {
  const main = path.join(__dirname, '..', 'dist', 'main.js');
  const { code, stdout } = await runMain(main);
  expect(code).toBe(0);
  expect(stdout).toMatch(/calculator restarted: <0\.\d+\.0> -> <0\.\d+\.0>/);
  expect(stdout).toContain('node stopped');
});
