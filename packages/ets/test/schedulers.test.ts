import { Ets } from '@erlmcp/ets';
import { Node, spawn, type ProcessContext } from '@erlmcp/otp';

const fixture = require.resolve('./fixtures/scheduler-user.js');

test('a table handle sent in a message works from a process on another scheduler, on the same memory', async () => {
  const node = Node.start({ schedulers: 2, logLevel: 'silent' });
  try {
    const table = Ets.new('shared-across-schedulers', { access: 'public' });
    table.insert(['from-main', 'hello']);
    table.insert(['hits', 10]);
    const reply = await new Promise<{ seen: unknown; counter: unknown }>((resolve) => {
      spawn(async (ctx: ProcessContext) => {
        const user = spawn({ module: fixture, export: 'tableUser' }, { scheduler: 1 });
        ctx.send(user, { handle: table.handle(), from: ctx.self });
        resolve(await ctx.receive());
      });
    });
    expect(reply).toEqual({ seen: [['from-main', 'hello']], counter: 11 });
    // The worker's writes are in the same table here, with no message carrying them back.
    expect(table.lookup('from-scheduler-1')).toEqual([['from-scheduler-1', 1]]);
    expect(table.lookup('hits')).toEqual([['hits', 11]]);
  } finally {
    await node.stop();
  }
});
