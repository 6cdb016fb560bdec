/**
 * Ownership against processes on other scheduler threads: access modes are
 * checked against the calling process there, and a table can be given away
 * to (or inherited by) a process on another scheduler.
 */
import { BadArgError, Ets } from '@erlmcp/ets';
import { Node, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';

const fixture = require.resolve('./fixtures/ownership-user.js');

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 2, logLevel: 'silent' });
});
afterEach(async () => {
  await node.stop();
  for (const t of Ets.all()) if (!t.deleted) Ets.delete(t);
});

it('protected and private are enforced against a process on another scheduler', async () => {
  const replies = await new Promise<unknown[]>((resolve) => {
    spawn(async (ctx: ProcessContext) => {
      // Created and probed in the synchronous part, where the process is the caller.
      for (const access of ['protected', 'private', 'public'] as const) {
        const table = Ets.new(`acc-${access}`, { access });
        table.insert(['k', 'owner']);
        spawn({ module: fixture, export: 'accessProbe', args: [table.handle(), ctx.self] }, { scheduler: 1 });
      }
      const out: unknown[] = [];
      for (let i = 0; i < 3; i++) out.push(await ctx.receive());
      resolve(out);
    });
  });
  const protectedReply = { read: { ok: [['k', 'owner']] }, write: { error: 'ERR_ETS_ACCESS' } };
  const privateReply = { read: { error: 'ERR_ETS_ACCESS' }, write: { error: 'ERR_ETS_ACCESS' } };
  const publicReply = { read: { ok: [['k', 'owner']] }, write: { ok: true } };
  expect(replies).toHaveLength(3);
  expect(replies).toEqual(expect.arrayContaining([protectedReply, privateReply, publicReply]));
});

/** A live process on scheduler 1 (another thread), once it is up. */
function remoteProcess(): Promise<Pid> {
  return new Promise((resolve) => {
    spawn(async (ctx: ProcessContext) => {
      const pid = spawn({ module: fixture, export: 'idle', args: [ctx.self] }, { scheduler: 1 });
      expect(await ctx.receive()).toBe('ready');
      resolve(pid);
    });
  });
}

// The exit watch, the heir and the ETS-TRANSFER message live in the thread
// that holds the ownership; a process on another scheduler cannot take them
// over, so it is refused with a typed error instead of being accepted and
// the table lost (giveAway said such a live process was dead, and an heir
// there never inherited: the table was deleted with its owner).
it('giveAway to a process on another scheduler is a BadArgError that says so; the table keeps its owner and data', async () => {
  const remote = await remoteProcess();
  const table = Ets.new('gift-across');
  table.insert(['k', 1]);
  expect(() => table.giveAway(remote, 'gift')).toThrow(/another scheduler/);
  expect(() => table.giveAway(remote, 'gift')).toThrow(BadArgError);
  expect(table.owner).toBe('node');
  expect(table.lookup('k')).toEqual([['k', 1]]);
  node.send(remote, 'stop');
});

it('an heir on another scheduler is refused up front, by Ets.new (creating nothing) and by setHeir (keeping the heir)', async () => {
  const remote = await remoteProcess();
  const before = Ets.all().length;
  expect(() => Ets.new('heir-across', { named: true, heir: { pid: remote, data: 'will' } })).toThrow(
    /another scheduler/,
  );
  expect(Ets.all()).toHaveLength(before);
  expect(Ets.whereis('heir-across')).toBeUndefined();
  const table = Ets.new('heir-across', { named: true });
  expect(() => table.setHeir({ pid: remote, data: 'will' })).toThrow(BadArgError);
  expect(table.info().heir).toBe('none');
  node.send(remote, 'stop');
});
