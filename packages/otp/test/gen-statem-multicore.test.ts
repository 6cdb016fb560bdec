import { GenStatem, Node, schedulerOfPid, whereis } from '@erlmcp/otp';
import { threadId } from 'node:worker_threads';

/** Worker schedulers load compiled code: the fixture is plain JS, named by module and export. */
const turnstile = GenStatem.remote<never>(require.resolve('./fixtures/statem.js'), 'turnstile');
type Reply = { state: string; n: number; where: number | string };

let node: Node;
beforeAll(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterAll(() => node.stop());

test('a GenStatem starts on another scheduler by module and export, with a name; call and cast reach it there', async () => {
  const pid = await GenStatem.start(turnstile, 'locked', { scheduler: 1, name: 'turnstile' });
  expect(schedulerOfPid(pid)).toBe(1);
  expect(whereis('turnstile')!.equals(pid)).toBe(true);
  GenStatem.cast('turnstile', 'coin' as never);
  const reply = (await GenStatem.call('turnstile', 'state' as never)) as Reply;
  expect(reply.state).toBe('unlocked');
  expect(reply.n).toBe(1);
  expect(reply.where).not.toBe(threadId);
  await GenStatem.stop(pid);
});
