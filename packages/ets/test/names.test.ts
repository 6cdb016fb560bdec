/**
 * Named tables across threads: a name names one live table per thread, as a
 * named_table name does per node in ETS. `Ets.new` refuses a taken name;
 * `Ets.attach` of another table with that name gives the table without
 * taking the name, so `Ets.whereis` never switches tables behind a caller.
 * Tables are compared with ===: a failed toBe would diff their shared memory.
 */
import { Ets, TableNameTakenError, type TableHandle } from '@erlmcp/ets';
import { startWorker, stopAllWorkers } from './helpers';

afterAll(stopAllWorkers);

describe('named tables and attach', () => {
  it('attach of a table whose name another live table holds leaves the name where it was, in a worker and in the main thread', async () => {
    const mine = Ets.new('names-clash', { named: true, access: 'public' });
    try {
      mine.insert(['who', 'main']);
      const w = startWorker('names', { handle: mine.handle() });
      const own = await w.next((m) => m.type === 'own');
      // The worker's table, attached here while `mine` holds the name.
      const theirs = Ets.attach(own.handle as TableHandle);
      expect(theirs === mine).toBe(false);
      expect(theirs.lookupElement('who', 2)).toBe('worker');
      expect(Ets.whereis('names-clash') === mine).toBe(true);
      expect(Ets.table('names-clash') === mine).toBe(true);
      expect(Ets.all().filter((t) => t === mine || t === theirs)).toHaveLength(2);
      expect(() => Ets.new('names-clash', { named: true })).toThrow(TableNameTakenError);
      w.worker.postMessage('done');
      const { report } = await w.next((m) => m.type === 'report');
      await w.exited;
      expect(report).toEqual({
        attachedIsTheirs: true,
        whereisAfterAttach: 'worker',
        tableByName: 'worker',
        newWhileTaken: 'TableNameTakenError',
        bothListed: 2,
        whereisAfterDelete: 'none',
        reattachIsSame: true,
        whereisAfterReattach: true,
      });
      // The worker deleted its table: our view of it is deleted, and the name here never moved.
      expect(theirs.deleted).toBe(true);
      expect(Ets.whereis('names-clash') === mine).toBe(true);
    } finally {
      Ets.delete(mine);
    }
  });
});
