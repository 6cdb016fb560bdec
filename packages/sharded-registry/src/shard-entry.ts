/**
 * The shard process as other schedulers start it: by module path and export
 * (functions cannot cross threads), with the registry's handle, which this
 * thread attaches to. Worker threads load the compiled file (dist/).
 */
import { GenServer, type ProcessContext } from '@erlmcp/otp';
import { ShardedRegistry } from './registry';
import { shardServer } from './shard';
import type { RegistryHandle } from './types';

export interface RemoteShardArgs {
  handle: RegistryHandle;
  index: number;
  scheduler: number;
}

export const remoteShardServer = GenServer.define({
  ...shardServer,
  init: (args: RemoteShardArgs, ctx: ProcessContext) =>
    shardServer.init({ host: ShardedRegistry.attach(args.handle), index: args.index, scheduler: args.scheduler }, ctx),
});
