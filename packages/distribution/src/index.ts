// The public API of @erlmcp/distribution: any new export here becomes public API.
export { DistNode } from './dist-node';
export type { JoinOptions, NodeDownMessage, NodeEvent, DistStats, RemoteSpawnOptions } from './dist-node';
export type { DistApi, GlobalNames } from './dist-api';
export { WorkerDist, WorkerGlobal } from './worker-dist';
export type { WorkerDistOptions } from './worker-dist';
export { remoteChild } from './remote-child';
export { NodeDirectory } from './directory';
export type { RemoteChildSpec, RemoteStarter, RemoteStartOptions } from './remote-child';
export { GlobalRegistry } from './global';
export type { GlobalNameConflict } from './global';
export { UnknownNodeError, NotConnectedError, DistBadArgError, NotDistributedError } from './errors';
export { NodeDownError } from '@erlmcp/otp';
export { NatsServer, NatsServerNotFoundError, findNatsServer, freePort } from './nats-server';
