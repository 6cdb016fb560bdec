// Runs on a worker scheduler: the scheduler thread require()s this compiled file by
// its absolute path, and it finds @erlmcp/* in this project's node_modules.
import { threadId } from 'node:worker_threads';
import { outsideThisProject } from './modules';
import { GenServer, ok, reply } from '@erlmcp/otp';
import { Ets, type Table, type TableHandle } from '@erlmcp/ets';

export interface Bump {
  key: string;
  times: number;
}

export const tally = GenServer.define({
  init: (handle: TableHandle) => ok(Ets.attach(handle)),
  handleCall: ({ key, times }: Bump, _from, table: Table) => {
    for (let i = 0; i < times; i++) table.updateCounter(key, 1, [key, 0]);
    return reply({ threadId, value: table.lookupElement(key, 2) as number, outside: outsideThisProject() }, table);
  },
});
