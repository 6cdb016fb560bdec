/**
 * The owner process: it creates the table, so the table follows ETS's rules
 * for its owner (deleted when it exits, unless an heir takes it), runs
 * maintenance on its timer, and the table works from a process on another
 * scheduler (a worker thread) on the same memory.
 */
import { exit, GenServer, Node, spawn, Supervisor, whereis, type Pid, type ProcessContext } from '@erlmcp/otp';
import { OptimizedTable, type OptimizedTableHandle, type OwnerStats } from '@erlmcp/ets-optimizer';

const fixture = require.resolve('./fixtures/scheduler-user.js');

async function until<T>(probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached in 500 polls');
}

describe('the owner process', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 2, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  it('owns the table, maintains it, and is restarted with a new table', async () => {
    await Supervisor.start({
      children: [
        OptimizedTable.childSpec(
          'sessions',
          { access: 'public', hotCold: { demoteAfterPasses: 1 } },
          { intervalMs: 10, register: 'sessions-owner' },
        ),
      ],
    });
    const owner = whereis('sessions-owner') as Pid;
    const table = OptimizedTable.attach((await GenServer.call('sessions-owner', 'handle')) as OptimizedTableHandle);
    expect(table.owner).toEqual(owner);
    for (let i = 0; i < 100; i++)
      table.insert([`s${i}`, { client: 'claude-desktop', protocolVersion: '2025-11-25', i }]);
    // Nobody reads them: passes of the owner's timer demote them.
    await until(() => (table.tiers().cold === 100 ? true : undefined));
    const stats = (await GenServer.call('sessions-owner', 'stats')) as OwnerStats;
    expect(stats.hitRates.demotions).toBe(100);
    expect(table.lookup('s7')).toEqual([['s7', { client: 'claude-desktop', protocolVersion: '2025-11-25', i: 7 }]]);
    table.check();

    exit(owner, 'kill');
    const next = await until(() => {
      const pid = whereis('sessions-owner');
      return pid !== undefined && pid.id !== owner.id ? pid : undefined;
    });
    expect(table.deleted).toBe(true);
    expect(() => table.lookup('s7')).toThrow(/deleted/);
    const fresh = OptimizedTable.attach((await GenServer.call('sessions-owner', 'handle')) as OptimizedTableHandle);
    expect(fresh.owner).toEqual(next);
    expect(fresh.size).toBe(0);
  });

  it('works from a process on another scheduler, on the same memory', async () => {
    const table = OptimizedTable.create('shared', { access: 'public' });
    table.insert(['from-main', 'hello']);
    table.insert(['hits', 10]);
    const reply = await new Promise<{ seen: unknown; counter: unknown }>((resolve) => {
      spawn(async (ctx: ProcessContext) => {
        const user = spawn({ module: fixture, export: 'tableUser' }, { scheduler: 1 });
        ctx.send(user, { handle: table.handle(), from: ctx.self });
        resolve(await ctx.receive());
      });
    });
    expect(reply).toMatchObject({ seen: [['from-main', 'hello']], counter: 11 });
    expect(table.lookup('from-scheduler-1')).toEqual([['from-scheduler-1', { note: 'written on scheduler 1', n: 1 }]]);
    table.maintain({ demoteAll: true });
    expect(table.lookup('hits')).toEqual([['hits', 11]]);
    OptimizedTable.delete(table);
  });
});
