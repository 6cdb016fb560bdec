import {
  GenEvent,
  GenEventExit,
  HandlerError,
  Node,
  exit,
  processInfo,
  send,
  spawn,
  sys,
  type Pid,
  type ProcessContext,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

type Ev = { n: number } | 'boom' | 'leave';

/** A handler that records what it sees in `log`, under `tag` (its init argument). */
function recorder(log: string[]) {
  return GenEvent.handler({
    name: 'recorder',
    init: (tag: string) => (tag === 'refuse' ? GenEvent.initStop('refused') : GenEvent.ok({ tag, seen: 0 })),
    handleEvent(event: Ev, s: { tag: string; seen: number }) {
      if (event === 'boom') throw new Error(`${s.tag} exploded`);
      if (event === 'leave') return GenEvent.removeHandler();
      log.push(`${s.tag}:${event.n}`);
      return GenEvent.ok({ ...s, seen: s.seen + 1 });
    },
    handleCall: (req: 'seen' | 'quit', s: { tag: string; seen: number }) =>
      req === 'seen' ? GenEvent.reply(s.seen, s) : GenEvent.removeHandlerAndReply(-1),
    handleInfo(message: unknown, s: { tag: string; seen: number }) {
      log.push(`${s.tag}:info:${String(message)}`);
      return GenEvent.ok(s);
    },
    terminate(arg: unknown, s: { tag: string; seen: number }) {
      log.push(`${s.tag}:terminate:${typeof arg === 'object' && arg !== null ? Object.keys(arg).join() : String(arg)}`);
      return `${s.tag} saw ${s.seen}`;
    },
  });
}

describe('GenEvent', () => {
  test('notify and syncNotify reach every handler in the order they were added; handlers with ids are distinct', async () => {
    const log: string[] = [];
    const h = recorder(log);
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, h, 'a');
    await GenEvent.addHandler(mgr, h, 'b', 'second');
    GenEvent.notify(mgr, { n: 1 });
    await GenEvent.syncNotify(mgr, { n: 2 });
    expect(log).toEqual(['a:1', 'b:1', 'a:2', 'b:2']);
    expect((await GenEvent.whichHandlers(mgr)).map((x) => x.id)).toEqual([undefined, 'second']);
  });

  test('adding a handler twice, or one whose init refuses, is a HandlerError and installs nothing', async () => {
    const h = recorder([]);
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, h, 'a');
    await expect(GenEvent.addHandler(mgr, h, 'again')).rejects.toBeInstanceOf(HandlerError);
    await expect(GenEvent.addHandler(mgr, h, 'refuse', 'other')).rejects.toMatchObject({ reason: 'refused' });
    expect(await GenEvent.whichHandlers(mgr)).toHaveLength(1);
  });

  test('deleteHandler runs terminate with its args and answers what it returned; deleting one not installed is an error', async () => {
    const log: string[] = [];
    const h = recorder(log);
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, h, 'a');
    await GenEvent.syncNotify(mgr, { n: 1 });
    expect(await GenEvent.deleteHandler(mgr, h, 'bye')).toBe('a saw 1');
    expect(log).toEqual(['a:1', 'a:terminate:bye']);
    await expect(GenEvent.deleteHandler(mgr, h)).rejects.toBeInstanceOf(HandlerError);
  });

  test("swapHandler: the new handler's init gets its args and what the old terminate returned", async () => {
    const log: string[] = [];
    const old = recorder(log);
    const inits: unknown[] = [];
    const next = GenEvent.handler({
      init: (arg: { args: string; terminated: unknown }) => {
        inits.push(arg);
        return GenEvent.ok(null);
      },
      handleEvent: (_e: Ev, s: null) => GenEvent.ok(s),
    });
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, old, 'a');
    await GenEvent.swapHandler(mgr, { handler: old, args: 'swap' }, { handler: next, args: 'new' });
    expect(inits).toEqual([{ args: 'new', terminated: 'a saw 0' }]);
    expect((await GenEvent.whichHandlers(mgr)).map((x) => x.handler)).toEqual([next]);
  });

  test('call reaches one handler; removeHandlerAndReply answers and removes it; a call to one not installed is an error', async () => {
    const log: string[] = [];
    const h = recorder(log);
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, h, 'a');
    await GenEvent.syncNotify(mgr, { n: 1 });
    expect(await GenEvent.call(mgr, h, 'seen')).toBe(1);
    expect(await GenEvent.call(mgr, h, 'quit')).toBe(-1);
    expect(log).toContain('a:terminate:remove_handler');
    await expect(GenEvent.call(mgr, h, 'seen')).rejects.toBeInstanceOf(HandlerError);
  });

  test('a handler returning removeHandler is removed with terminate(remove_handler)', async () => {
    const log: string[] = [];
    const h = recorder(log);
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, h, 'a');
    await GenEvent.addHandler(mgr, h, 'b', 'b');
    await GenEvent.syncNotify(mgr, 'leave');
    expect(log).toEqual(['a:terminate:remove_handler', 'b:terminate:remove_handler']);
    expect(await GenEvent.whichHandlers(mgr)).toEqual([]);
  });

  test('a crashing handler is removed and logged; the manager and the other handlers carry on', async () => {
    const log: string[] = [];
    const crashy = GenEvent.handler({
      name: 'crashy',
      init: () => GenEvent.ok(0),
      handleEvent: (e: Ev, n: number) => {
        if (e === 'boom') throw new Error('crashy exploded');
        return GenEvent.ok(n);
      },
      terminate: (arg: unknown) => void log.push(`crashy:terminate:${Object.keys(arg as object).join()}`),
    });
    const errors = jest.spyOn(node.logger, 'error');
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, crashy, undefined);
    await GenEvent.addHandler(mgr, recorder(log), 'steady');
    await GenEvent.syncNotify(mgr, 'boom'); // both throw on boom: each is removed on its own
    await GenEvent.syncNotify(mgr, { n: 3 });
    expect(log).toEqual(['crashy:terminate:error', 'steady:terminate:error']);
    expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('removed handler crashy: handleEvent failed: crashy exploded'),
      expect.stringContaining('removed handler recorder: handleEvent failed: steady exploded'),
    ]);
    expect(processInfo(mgr)).toBeDefined();
    await GenEvent.addHandler(mgr, recorder(log), 'after');
    await GenEvent.syncNotify(mgr, { n: 4 });
    expect(log.at(-1)).toBe('after:4');
  });

  test('other messages go to handleInfo', async () => {
    const log: string[] = [];
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, recorder(log), 'a');
    send(mgr, 'ping');
    await GenEvent.syncNotify(mgr, { n: 1 });
    expect(log).toEqual(['a:info:ping', 'a:1']);
  });

  test("a supervised handler tells its owner when removed (deleted: normal; crashed: error); the owner's exit removes it", async () => {
    const log: string[] = [];
    const h = recorder(log);
    const mgr = await GenEvent.start();
    const exits: GenEventExit[] = [];
    let owner!: ProcessContext;
    const ready = new Promise<void>((resolve) => {
      spawn(async (ctx) => {
        owner = ctx;
        resolve();
        for (;;) exits.push(await ctx.receive<GenEventExit>((m) => m instanceof GenEventExit));
      });
    });
    await ready;
    await GenEvent.addSupHandler(mgr, h, 'a', owner);
    await GenEvent.addSupHandler(mgr, h, 'b', owner, 'b');
    await GenEvent.deleteHandler(mgr, h);
    await GenEvent.syncNotify(mgr, 'boom');
    await new Promise((r) => setImmediate(r));
    expect(
      exits.map((e) => [e.handler.id, e.reason === 'normal' ? 'normal' : Object.keys(e.reason as object).join()]),
    ).toEqual([
      [undefined, 'normal'],
      ['b', 'error'],
    ]);
    // An owner that exits takes its supervised handler with it.
    const gone = new Promise<Pid>((resolve) => {
      spawn(async (ctx) => {
        await GenEvent.addSupHandler(mgr, h, 'c', ctx, 'c');
        resolve(ctx.self);
        await ctx.receive();
      });
    });
    const ownerPid = await gone;
    expect((await GenEvent.whichHandlers(mgr)).map((x) => x.id)).toEqual(['c']);
    exit(ownerPid, 'kill');
    await GenEvent.syncNotify(mgr, { n: 0 }); // the DOWN is handled before this
    expect(await GenEvent.whichHandlers(mgr)).toEqual([]);
    expect(log.at(-1)).toBe('c:terminate:stop');
  });

  test('stopping the manager runs every terminate with stop; sys shows the handlers', async () => {
    const log: string[] = [];
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, recorder(log), 'a');
    expect(await sys.getState(mgr)).toEqual([{ handler: 'recorder', state: { tag: 'a', seen: 0 } }]);
    await GenEvent.stop(mgr);
    expect(log).toEqual(['a:terminate:stop']);
  });

  test('async callbacks hold the manager: handlers run one after another, in order, event after event', async () => {
    const log: string[] = [];
    const slow = GenEvent.handler({
      name: 'slow',
      init: async (tag: string) => {
        await new Promise((r) => setTimeout(r, 2));
        return GenEvent.ok(tag);
      },
      async handleEvent(event: number, tag: string) {
        log.push(`${tag}:start:${event}`);
        await new Promise((r) => setTimeout(r, 2));
        log.push(`${tag}:end:${event}`);
        return GenEvent.ok(tag);
      },
      handleCall: async (_req: 'tag', tag: string) => GenEvent.reply(tag, tag),
      terminate: async (_arg, tag: string) => `${tag} done`,
    });
    const quick = GenEvent.handler({
      init: () => GenEvent.ok(null),
      handleEvent(event: number, s: null) {
        log.push(`quick:${event}`);
        return GenEvent.ok(s);
      },
    });
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, slow, 'a');
    await GenEvent.addHandler(mgr, quick, undefined);
    GenEvent.notify(mgr, 1);
    await GenEvent.syncNotify(mgr, 2);
    expect(log).toEqual(['a:start:1', 'a:end:1', 'quick:1', 'a:start:2', 'a:end:2', 'quick:2']);
    expect(await GenEvent.call(mgr, slow, 'tag')).toBe('a');
    expect(await GenEvent.deleteHandler(mgr, slow)).toBe('a done');
  });

  test('a handler whose promise rejects is removed alone; the manager and the others carry on', async () => {
    const log: string[] = [];
    const flaky = GenEvent.handler({
      name: 'flaky',
      init: () => GenEvent.ok(0),
      async handleEvent(event: { n: number }, n: number) {
        await new Promise((r) => setTimeout(r, 1));
        if (event.n === 0) throw new Error('rejected');
        return GenEvent.ok(n + 1);
      },
      terminate: (arg: unknown) => void log.push(`flaky:terminate:${Object.keys(arg as object).join()}`),
    });
    const mgr = await GenEvent.start();
    await GenEvent.addHandler(mgr, flaky, undefined);
    await GenEvent.addHandler(mgr, recorder(log), 'r');
    await GenEvent.syncNotify(mgr, { n: 0 });
    await GenEvent.syncNotify(mgr, { n: 1 });
    expect(log).toEqual(['flaky:terminate:error', 'r:0', 'r:1']);
    expect((await GenEvent.whichHandlers(mgr)).map((x) => (x.handler as { name?: string }).name)).toEqual(['recorder']);
  });
});
