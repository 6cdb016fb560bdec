/**
 * The registry's supervision tree:
 *
 *   <name>                 one_for_one, on the scheduler that starts it
 *   ├─ shard-<i>           a supervisor per shard, named <name>:shard:<i>
 *   │   └─ on-<k>          the shard's process on scheduler k, <name>:shard:<i>@<k>
 *   └─ reshard             <name>:reshard, takes reshard calls from any scheduler
 *
 * A scheduler that dies takes one process of every shard with it; each
 * shard's own supervisor restarts its one, so a scheduler's death costs each
 * supervisor a single restart, whatever the shard count.
 */
import path from 'node:path';
import { GenServer, Supervisor, currentPid, schedulerOfPid, type ChildSpec, type SupervisorSpec } from '@erlmcp/otp';
import { coordinator } from './coordinator';
import type { ShardedRegistry } from './registry';
import { shardServer } from './shard';
import type { remoteShardServer } from './shard-entry';

/** The compiled shard entry, which worker threads load (under ts-jest this file runs from src/, they from dist/). */
const SHARD_ENTRY = __filename.endsWith('.ts')
  ? path.resolve(__dirname, '..', 'dist', 'shard-entry.js')
  : path.join(__dirname, 'shard-entry.js');
const remoteShard = GenServer.remote<typeof remoteShardServer>(SHARD_ENTRY, 'remoteShardServer');

/** Shard `index`'s process on scheduler `k`: this thread's definition here, the compiled entry elsewhere. */
function shardProcessSpec(registry: ShardedRegistry<unknown>, index: number, k: number): ChildSpec {
  return {
    id: `on-${k}`,
    start: () => {
      const name = registry.shardProcessName(index, k);
      // The start function runs as the shard's supervisor.
      const here = currentPid();
      if (here !== undefined && schedulerOfPid(here) === k)
        return GenServer.startLink(shardServer, { host: registry, index, scheduler: k }, { name });
      return GenServer.startLink(
        remoteShard,
        { handle: registry.handle(), index, scheduler: k },
        { name, scheduler: k },
      );
    },
  };
}

/** Shard `index`: a supervisor over its process on every scheduler. */
export function shardSpec(registry: ShardedRegistry<unknown>, index: number, schedulers: number): ChildSpec {
  const spec: SupervisorSpec = {
    strategy: 'one_for_one',
    intensity: 10,
    period: 5,
    children: Array.from({ length: schedulers }, (_, k) => shardProcessSpec(registry, index, k)),
  };
  return {
    id: `shard-${index}`,
    type: 'supervisor',
    shutdown: 'infinity',
    start: () => Supervisor.startLink(spec, { name: registry.shardName(index) }),
  };
}

/** The whole tree's spec: the shards, then the process that reshards them. */
export function registrySpec(registry: ShardedRegistry<unknown>, shards: number, schedulers: number): SupervisorSpec {
  return {
    strategy: 'one_for_one',
    intensity: 10,
    period: 5,
    children: [
      ...Array.from({ length: shards }, (_, i) => shardSpec(registry, i, schedulers)),
      GenServer.childSpec('reshard', coordinator, registry, { name: registry.coordinatorName() }),
    ],
  };
}
