/** The README's example, as it is there, with its comments as assertions. */
import { GenServer, Node, Supervisor } from '@erlmcp/otp';
import { OptimizedTable, sessionWorkload, type OptimizedTableHandle } from '@erlmcp/ets-optimizer';

test('the README example', async () => {
  const node = Node.start({ logLevel: 'silent' });
  try {
    await Supervisor.start({
      children: [OptimizedTable.childSpec('sessions', { access: 'public' }, { register: 'sessions' })],
    });
    const sessions = OptimizedTable.attach((await GenServer.call('sessions', 'handle')) as OptimizedTableHandle);

    const workload = sessionWorkload();
    for (let i = 0; i < 2_000; i++) sessions.insert(workload.record(i));
    sessions.maintain({ demoteAll: true });
    for (let i = 0; i < 1_000; i++) sessions.lookup(workload.key(i % 100));

    expect(Object.keys((sessions.lookup(workload.key(7))[0]![1] as { client: object }).client)).toEqual([
      'name',
      'title',
      'version',
    ]);
    expect(sessions.tiers()).toEqual({ hot: 100, cold: 1900 });
    expect(sessions.memory().total).toBeGreaterThan(0);
    expect(sessions.hitRates().hotHitRate).toBeCloseTo(0.8, 1);
  } finally {
    await node.stop();
  }
});
