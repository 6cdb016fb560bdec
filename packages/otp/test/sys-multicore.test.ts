import { BadArgError, GenServer, Node, sys } from '@erlmcp/otp';

/** Worker schedulers load compiled code: the fixture is plain JS, named by module and export. */
const counter = GenServer.remote<never>(require.resolve('./fixtures/remote.js'), 'counter');

let node: Node;
beforeAll(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterAll(() => node.stop());

test('sys reaches a GenServer on another scheduler: state, status, suspend and resume, statistics', async () => {
  const pid = await GenServer.start(counter, 5, { scheduler: 1 });
  expect(await sys.getState(pid)).toEqual({ n: 5, waiting: [] });
  expect(await sys.getStatus(pid)).toMatchObject({ behaviour: 'gen_server', status: 'running' });
  await sys.statistics(pid, true);
  await sys.suspend(pid);
  GenServer.cast(pid, { op: 'inc' } as never);
  const during = GenServer.call(pid, { op: 'get' } as never);
  expect(await sys.getState(pid)).toEqual({ n: 5, waiting: [] }); // the cast waits
  await sys.resume(pid);
  expect(await during).toBe(6);
  expect((await sys.statistics(pid, 'get'))?.messagesIn).toBe(2);
  // A closure cannot cross threads; a state function named by module and export can.
  await expect(sys.replaceState(pid, (s) => s)).rejects.toBeInstanceOf(BadArgError);
  const spec = { module: require.resolve('./fixtures/remote.js'), export: 'addToCount', args: [10] };
  expect(await sys.replaceState(pid, spec)).toEqual({ n: 16, waiting: [] });
  expect(await GenServer.call(pid, { op: 'get' } as never)).toBe(16);
  await expect(sys.replaceState(pid, { ...spec, export: 'nothing' })).rejects.toThrow(/has no export nothing/);
  expect(await GenServer.call(pid, { op: 'get' } as never)).toBe(16); // a failed replace keeps the state
  await GenServer.stop(pid);
});
