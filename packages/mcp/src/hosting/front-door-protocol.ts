/**
 * @internal
 * What the front door's primary and its workers tell each other over the cluster IPC
 * channel, and the environment a worker is started with.
 */

/** The environment variable that makes a cluster worker a front-door worker: JSON {@link FrontDoorEnv}. */
export const FRONT_DOOR_ENV = 'ERLMCP_FRONT_DOOR';
/**
 * The requestState HMAC key every worker shares (base64), beside it: a definition built in a
 * worker without `requestState.key` signs with it (request-state.ts reads it).
 */
export const FRONT_DOOR_KEY_ENV = 'ERLMCP_FRONT_DOOR_KEY';

export interface FrontDoorEnv {
  /** This worker's place, 0..workers-1: the prefix of the session ids it issues. */
  index: number;
  workers: number;
  /** The shared port as the front door was asked for it (0: the one node:cluster picked) and address. */
  port: number;
  hostname: string;
}

/** Worker → primary. */
export type FromWorker =
  | { erlmcpFrontDoor: 'private'; index: number; port: number }
  | { erlmcpFrontDoor: 'listening'; index: number; port: number };

/** Primary → worker. */
export type ToWorker =
  /** Each worker's private port, by index (0 where none is up). */
  | { erlmcpFrontDoor: 'routes'; ports: number[] }
  /** Close the server and exit. */
  | { erlmcpFrontDoor: 'stop' };

export function isFrontDoorMessage(message: unknown): message is { erlmcpFrontDoor: string } {
  return typeof message === 'object' && message !== null && 'erlmcpFrontDoor' in message;
}
