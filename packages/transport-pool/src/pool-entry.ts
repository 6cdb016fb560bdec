/**
 * A sub-pool process as other schedulers start it (`schedulers: 'all'`): by
 * module path and export, since functions cannot cross threads. Its options
 * arrive as data, with the factory as a FactorySpec that this thread loads.
 * Worker threads load the compiled file (dist/).
 */
import { GenServer, type ProcessContext } from '@erlmcp/otp';
import { type PoolOptions, resolveOptions } from './options';
import { poolServer } from './pool-server';
import type { SharedInit } from './pool-state';
import { createPoolEvents } from './telemetry';

export interface RemotePoolArgs {
  /** Serializable: the factory is a FactorySpec, telemetry is `false` or absent (this thread's node bus). */
  options: PoolOptions<unknown>;
  shared: SharedInit;
}

export const remotePoolServer = GenServer.define({
  ...poolServer,
  init: (args: RemotePoolArgs, ctx: ProcessContext) =>
    poolServer.init(
      { options: resolveOptions(args.options), events: createPoolEvents(), started: undefined, shared: args.shared },
      ctx,
    ),
});
