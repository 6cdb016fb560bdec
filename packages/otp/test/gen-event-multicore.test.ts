import { GenEvent, Node, send, spawn, type Pid } from '@erlmcp/otp';

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

/** A process here that hands each message it receives to the test, in order. */
function inbox(): { pid: Pid; next: () => Promise<unknown> } {
  const queue: unknown[] = [];
  let wake: (() => void) | undefined;
  const pid = spawn(async (ctx) => {
    for (;;) {
      queue.push(await ctx.receive());
      wake?.();
    }
  });
  const next = async (): Promise<unknown> => {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return queue.shift();
  };
  return { pid, next };
}

test("a supervised handler whose owner is on another scheduler: the owner gets GenEventExit naming the handler by spec, and the owner's exit removes the handler", async () => {
  const mgr = await GenEvent.start();
  const recorder = GenEvent.spec(fixture, 'recorder');
  const report = inbox();

  spawn({ module: fixture, export: 'superviseHandler', args: [mgr, report.pid, fixture] }, { scheduler: 1 });
  expect(await report.next()).toBe('added');
  expect(await GenEvent.whichHandlers(mgr)).toHaveLength(1);
  await GenEvent.deleteHandler(mgr, recorder, 'bye', 'owned');
  expect(await report.next()).toEqual({ terminated: 'bye' });
  const removed = (await report.next()) as { removed: { manager: Pid; handler: unknown; reason: unknown } };
  expect(removed.removed).toMatchObject({
    isGenEventExit: true,
    handler: { handler: { module: fixture, export: 'recorder' }, id: 'owned' },
    reason: 'normal',
  });
  expect(removed.removed.manager.equals(mgr)).toBe(true);

  const owner = spawn(
    { module: fixture, export: 'superviseHandler', args: [mgr, report.pid, fixture] },
    { scheduler: 1 },
  );
  expect(await report.next()).toBe('added');
  send(owner, { exit: 'gone' }); // the owner on scheduler 1 exits: the manager's monitor on it fires
  expect(await report.next()).toEqual({ terminated: { stop: 'gone' } });
  expect(await GenEvent.whichHandlers(mgr)).toEqual([]);

  // A handler that crashes is removed; its owner across schedulers gets the error as the reason.
  spawn({ module: fixture, export: 'superviseHandler', args: [mgr, report.pid, fixture] }, { scheduler: 1 });
  expect(await report.next()).toBe('added');
  GenEvent.notify(mgr, 'crash');
  const terminated = (await report.next()) as { terminated: { error: Error } };
  expect(terminated.terminated.error.message).toBe('recorder crashed');
  const crashed = (await report.next()) as { removed: { reason: { error: Error } } };
  expect(crashed.removed.reason.error.message).toBe('recorder crashed');
  await GenEvent.stop(mgr);
});
