/**
 * The README's examples are this directory's readme-example.ts and readme-llm-example.ts
 * (type-checked with the tests); the first one runs here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { currentNode } from '@erlmcp/otp';
import { eventually } from './helpers';

test('the README example is readme-example.ts, and it prints each name from one batch', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)![1];
  expect(block).toBe(fs.readFileSync(path.join(__dirname, 'readme-example.ts'), 'utf8'));
  const logged: unknown[][] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- runs the example here, inside the console spy
    require('./readme-example');
    await eventually(() => logged.length === 2);
    expect(logged[0]![0]).toEqual(['user 1', 'user 2', 'user 3']);
    expect(logged[1]![0]).toMatchObject({ batches: 1, items: 3, maxBatchSize: 3 });
    // main() stops the node after its last log: wait for that, so the next test file starts clean.
    await eventually(() => {
      try {
        return !currentNode().isRunning;
      } catch {
        return true;
      }
    });
  } finally {
    log.mockRestore();
  }
});

test("the README's llmBatcher example is readme-llm-example.ts", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks[1]).toBe(fs.readFileSync(path.join(__dirname, 'readme-llm-example.ts'), 'utf8'));
});
