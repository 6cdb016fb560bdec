import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardingAgent, forwardToOwner } from './front-door-proxy';
import { ownedBy } from './owned-by';
import {
  FRONT_DOOR_ENV,
  type FromWorker,
  type FrontDoorEnv,
  isFrontDoorMessage,
  type ToWorker,
} from './front-door-protocol';

/** What a process started by {@link startFrontDoor} knows of its place in it. */
export interface FrontDoorWorkerInfo {
  /** 0..workers-1. */
  readonly index: number;
  readonly workers: number;
}

/**
 * This process's place in a front door, when {@link startFrontDoor} started it (a cluster
 * worker with the front door's environment); undefined anywhere else.
 */
export function frontDoorWorker(): FrontDoorWorkerInfo | undefined {
  const env = frontDoorEnv();
  return env === undefined ? undefined : { index: env.index, workers: env.workers };
}

/** @internal */
export function frontDoorEnv(): FrontDoorEnv | undefined {
  const text = process.env[FRONT_DOOR_ENV];
  if (!cluster.isWorker || text === undefined || process.send === undefined) return undefined;
  return JSON.parse(text) as FrontDoorEnv;
}

/** @internal A worker's side of the front door, made by {@link joinFrontDoor}. */
export interface FrontDoorMembership {
  /** Prefix of the session ids this worker issues. */
  readonly sessionIdPrefix: string;
  /** Forwards a request for another worker's session; false when this worker is to answer it. */
  route(req: IncomingMessage, res: ServerResponse): boolean;
  /** Tells the primary the shared port is served here. */
  listening(port: number): void;
  /** Runs `stop` when the primary asks this worker to stop. */
  onStop(stop: () => Promise<void>): void;
  close(): Promise<void>;
}

function send(message: FromWorker): void {
  process.send!(message);
}

/**
 * @internal
 * Joins the front door: opens this worker's private port on 127.0.0.1 (the same requests,
 * `serve`, without forwarding), tells the primary, and waits for the routing table that
 * holds it. Only then may the worker take the shared port: a session it issues is never
 * seen by a worker that cannot reach it (IPC from the primary arrives in order).
 */
export async function joinFrontDoor(env: FrontDoorEnv, serve: RequestListener): Promise<FrontDoorMembership> {
  const sessionIdPrefix = `${env.index}.`;
  let ports: number[] = [];
  let stop: (() => Promise<void>) | undefined;
  const agent = forwardingAgent();
  let routed: () => void = () => undefined;
  const table = new Promise<void>((resolve) => (routed = resolve));
  const onMessage = (message: unknown): void => {
    if (!isFrontDoorMessage(message)) return;
    const told = message as ToWorker;
    if (told.erlmcpFrontDoor === 'routes') {
      ports = told.ports;
      if ((ports[env.index] ?? 0) > 0) routed();
    } else if (told.erlmcpFrontDoor === 'stop') {
      void (stop?.() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  };
  process.on('message', onMessage);
  const inside: Server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    inside.once('error', reject);
    // exclusive: bound by this worker itself, not shared through the primary like the public port.
    inside.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve());
  });
  send({ erlmcpFrontDoor: 'private', index: env.index, port: (inside.address() as AddressInfo).port });
  await table;
  return {
    sessionIdPrefix,
    route: (req, res) => {
      const id = ownedBy(req.headers)?.id;
      if (id === undefined) return false;
      const dot = id.indexOf('.');
      const owner = dot > 0 && dot < 4 ? Number(id.slice(0, dot)) : NaN;
      // Ours, or no worker's (a forged or stale id): answered here, with 404 if unknown.
      if (owner === env.index || !Number.isInteger(owner) || !((ports[owner] ?? 0) > 0)) return false;
      forwardToOwner(req, res, ports[owner]!, agent);
      return true;
    },
    listening: (port) => send({ erlmcpFrontDoor: 'listening', index: env.index, port }),
    onStop: (fn) => (stop = fn),
    close: async () => {
      process.off('message', onMessage);
      agent.destroy();
      inside.closeAllConnections();
      await new Promise<void>((resolve) => inside.close(() => resolve()));
    },
  };
}
