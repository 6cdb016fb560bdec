import { GenEvent, Node, spawn, type Pid } from '@erlmcp/otp';

const fixture = require.resolve('./fixtures/event.js');

let node: Node;
beforeAll(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterAll(() => node.stop());

test('a process on another scheduler drives a manager by name, the handler named by spec; its async handler holds the manager', async () => {
  const mgr = await GenEvent.start({ name: 'events' });
  let received!: (out: unknown) => void;
  const out = new Promise<unknown>((resolve) => (received = resolve));
  const reporter: Pid = spawn(async (ctx) => received(await ctx.receive()));
  spawn({ module: fixture, export: 'driveManager', args: ['events', reporter, fixture] }, { scheduler: 1 });
  expect(await out).toEqual({
    count: 12, // 10, then 'a' and 'b' in order: syncNotify came after notify's async handling
    seen: ['a', 'b'],
    which: [{ handler: { module: fixture, export: 'tally' } }],
    objectError: 'BadArgError', // a definition (functions) cannot cross threads
    deleted: 'tally saw 12', // the async terminate's answer
    after: [],
  });
  // Here, on the manager's own scheduler, the same handler is found by spec or by its definition.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the same CommonJS fixture the other scheduler loads by path
  const { tally } = require('./fixtures/event.js') as { tally: Parameters<typeof GenEvent.addHandler>[1] };
  await GenEvent.addHandler(mgr, GenEvent.spec(fixture, 'tally'), 0);
  await GenEvent.syncNotify(mgr, 'c');
  expect(await GenEvent.call(mgr, tally, 'count' as never)).toBe(1);
  await GenEvent.stop(mgr);
});
