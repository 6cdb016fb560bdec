/**
 * @erlmcp/sharded-registry: a supervised, sharded name service. Names are
 * placed on shards by consistent hashing; lookups read the shards' ETS
 * tables from any thread without a message; shard processes monitor holders.
 */
export { ShardedRegistry } from './registry';
export { NodeShards } from './nodes';
export type { NodeDirectory, NodeShardsOptions } from './nodes';
export {
  BadNameError,
  DeadPidError,
  NameTakenError,
  NotOwnerError,
  NotRegisteredError,
  NotRunningError,
  RegistryArgError,
  RegistryError,
  ReshardFailedError,
} from './errors';
export { jumpHash, hashString, hashStringJs, xxhashReady } from './placement';
export type { Name } from './names';
export type { Entry, ListOptions, Registration, RegistryHandle, RegistryOptions, ShardStats } from './types';
