import { awaitExit, exit, processInfo, type Node, type Pid } from '@erlmcp/otp';
import { startAfterAwait } from './readme-examples';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

test('README: startLink after an await with { parent: ctx } links the worker and the supervisor to the caller', async () => {
  let started!: (pids: Pid[]) => void;
  const children = new Promise<Pid[]>((resolve) => (started = resolve));
  const caller = startAfterAwait(async () => ({ size: 3 }), started);
  const pids = await children;
  for (const child of pids) expect(processInfo(child)!.links.map(String)).toEqual([String(caller)]);
  const exits = pids.map((child) => awaitExit(child));
  exit(caller, 'shutdown');
  expect(await Promise.all(exits)).toEqual(['shutdown', 'shutdown']);
});
