// The same packages imported from an ES module: named imports of CommonJS packages.
import { GenServer, Node } from '@erlmcp/otp';
import { Ets } from '@erlmcp/ets';
import { Mutex } from '@erlmcp/shm';
import { ShardedRegistry } from '@erlmcp/sharded-registry';
import { defineServer } from '@erlmcp/mcp/server';

const node = Node.start({ schedulers: 1, logLevel: 'warn' });
const table = Ets.new('esm', { type: 'set' });
table.insert(['k', 1]);
const definition = defineServer({ name: 'esm', version: '1.0.0' }).build();
console.log(
  `esm: ${[typeof GenServer.start, typeof Mutex, typeof ShardedRegistry.create, typeof definition.createSession].join(',')}; lookup ${JSON.stringify(table.lookup('k'))}`,
);
await node.stop();
