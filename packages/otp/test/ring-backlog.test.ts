import { GenServer, Node, processInfoAsync, spawn, type Pid } from '@erlmcp/otp';

/** Code the worker scheduler runs: plain JS, loaded by module path and export. */
const fixture = require.resolve('./fixtures/remote.js');
const counter = GenServer.remote<never>(fixture, 'counter');

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterEach(() => node.stop());

// The ring transport stops taking frames while the process the last frame delivered to is
// thousands of messages behind: the rest wait in the ring. These check that this holds
// nothing up for good and loses or reorders nothing.
describe('a backlog from another scheduler', () => {
  test('a process that does not receive yet: every frame still arrives, calls meanwhile are answered, order kept', async () => {
    const count = 300_000; // ~4.5 MB of records: more than the 4 MB ring, far past the backlog limit
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let result!: (got: { inOrder: number; done: unknown }) => void;
    const received = new Promise<{ inOrder: number; done: unknown }>((resolve) => (result = resolve));
    const receiver: Pid = spawn(async (ctx) => {
      await gate;
      let inOrder = 0;
      for (let i = 0; i < count; i++) if ((await ctx.receive()) === i) inOrder++;
      result({ inOrder, done: await ctx.receive() });
    });
    const server = await GenServer.start(counter, 0, { scheduler: 1 });
    spawn({ module: fixture, export: 'sender', args: [receiver, count] }, { scheduler: 1 });
    // The receiver holds everything sent so far; calls through the same ring still get answers.
    for (let k = 0; k < 20; k++) expect(await GenServer.call(server, { op: 'get' } as never, 60_000)).toBe(0);
    // Every message reaches the mailbox while nothing is taken from it.
    for (let tries = 0; tries < 600; tries++) {
      const info = await processInfoAsync(receiver);
      if (info !== undefined && info.messageQueueLen === count + 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await processInfoAsync(receiver))?.messageQueueLen).toBe(count + 1);
    open();
    expect(await received).toEqual({ inOrder: count, done: { done: count } });
  }, 120_000);
});
