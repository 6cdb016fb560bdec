/**
 * A worker scheduler's thread: a Node for the processes placed here, joined
 * to the others through the shared rings, with a comlink control plane.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter';
import { ThreadRegistry } from '@erlmcp/shm';
import { running } from '../current';
import { infoOf } from '../introspection';
import { Node } from '../node';
import { SchedulerPeer, type ClusterHandle } from './peer';
import type { Shareable } from './shares';
import { processesOf, startLoadPublisher, toWire, type SchedulerApi } from './scheduler-api';
import { installSpawnHandler } from './spawn-handler';
import { TelemetryForwarder } from './telemetry-forward';

const { handle, scheduler, logLevel, shares, telemetry, telemetryEvents } = workerData as {
  handle: ClusterHandle;
  scheduler: number;
  logLevel?: string;
  shares: MessagePort;
  /** Where this scheduler's telemetry goes, batched; the events the main thread wants. */
  telemetry: MessagePort;
  telemetryEvents: string[];
};

ThreadRegistry.attach(handle.threads).register();
ThreadRegistry.adoptShared(handle.sharedThreads);
const node = new Node({ id: handle.node, logLevel }, scheduler);
running.node = node;
const peer = new SchedulerPeer(node, handle, scheduler);
node.joinCluster(peer);
installSpawnHandler(node, peer);
// Shared buffers travel beside the rings: ours go to the main thread (which passes them on), theirs come here.
peer.publishShare = (id, buffer) => shares.postMessage({ id, buffer });
shares.on('message', ({ id, buffer }: { id: number; buffer: Shareable }) => peer.shares.receive(id, buffer));
shares.unref();
peer.start();
// Keeps this thread alive while it waits on its ring (Atomics.waitAsync alone does not).
const stopPublisher = startLoadPublisher(node, peer, true);
telemetry.unref();
const forwarder = new TelemetryForwarder(node.events, telemetry);
// Lookups on this scheduler are timed only while the main thread wants registry:lookup.
let untimeLookups: (() => void) | undefined;
const forward = (events: string[]): void => {
  forwarder.set(events);
  if (events.includes('registry:lookup')) untimeLookups ??= node.names.timeLookups();
  else {
    untimeLookups?.();
    untimeLookups = undefined;
  }
};
forward(telemetryEvents);

const api: SchedulerApi = {
  processes: () => processesOf(node),
  processInfo: (id) => {
    const process = node.lookupId(id);
    return process === undefined ? undefined : toWire(infoOf(process, true));
  },
  telemetry: forward,
  stop: async () => {
    stopPublisher();
    node.killAll();
    await peer.shutdown();
    forwarder.stop();
    shares.close();
    telemetry.close();
    running.node = null;
  },
};

Comlink.expose(api, nodeEndpoint(parentPort!));
