/**
 * A pool with `schedulers: 'all'`: a sub-pool per scheduler thread, since a
 * socket cannot move between threads, under one supervisor:
 *
 *   <name>            one_for_one, on the scheduler that starts the pool
 *   ├─ on-0           the sub-pool on scheduler 0, registered as <name>@0
 *   ├─ on-1           <name>@1, started on scheduler 1 from the compiled entry
 *   └─ ...
 *
 * The sub-pools share one `max` through a SharedArrayBuffer (shared-limit.ts)
 * and split `min` among them; a caller acquires from its own scheduler's.
 */
import path from 'node:path';
import {
  currentNode,
  currentPid,
  GenServer,
  schedulerOfPid,
  schedulers,
  type ChildSpec,
  type SupervisorSpec,
} from '@erlmcp/otp';
import type { PoolOptions, ResolvedOptions } from './options';
import type { remotePoolServer, RemotePoolArgs } from './pool-entry';
import { poolServer, type PoolCall } from './pool-server';
import { memberName, type SharedInit } from './pool-state';
import { sharedLimitBuffer } from './shared-limit';
import { createPoolEvents } from './telemetry';

/** The compiled entry, which worker threads load (under ts-jest this file runs from src/, they from dist/). */
const POOL_ENTRY = __filename.endsWith('.ts')
  ? path.resolve(__dirname, '..', 'dist', 'pool-entry.js')
  : path.join(__dirname, 'pool-entry.js');
const remotePool = GenServer.remote<typeof remotePoolServer>(POOL_ENTRY, 'remotePoolServer');

let unnamed = 0;
/** A node-wide unique name for a pool started without one (its sub-pools are found by name from every thread); the counter is this thread's. */
export const groupName = (name: string | undefined): string =>
  name ?? `transport-pool:${currentNode().schedulerId}:${++unnamed}`;

/** Scheduler k's share of `min`: spread evenly, the remainder to the lowest schedulers. */
export function minShare(min: number, count: number, k: number): number {
  return Math.floor(min / count) + (k < min % count ? 1 : 0);
}

/** The supervisor spec of a shared pool over every scheduler of the node. */
export function sharedPoolSpec<R>(
  options: PoolOptions<R>,
  resolved: ResolvedOptions<R>,
  group: string,
): SupervisorSpec {
  const count = schedulers().length;
  const buffer = sharedLimitBuffer();
  const child = (k: number): ChildSpec => ({
    id: `on-${k}`,
    shutdown: 10_000,
    start: () => {
      const shared: SharedInit = { buffer, slot: k, schedulers: count, group };
      const min = minShare(resolved.min, count, k);
      const name = memberName(group, k);
      // The start function runs as the supervisor: its own scheduler's sub-pool takes the options as given (a telemetry bus included).
      const here = currentPid();
      if (here !== undefined && schedulerOfPid(here) === k) {
        return GenServer.startLink(
          poolServer,
          { options: { ...resolved, min } as never, events: createPoolEvents(), started: undefined, shared },
          { name },
        );
      }
      const args: RemotePoolArgs = {
        options: {
          ...options,
          min,
          telemetry: options.telemetry === false ? false : undefined,
        } as PoolOptions<unknown>,
        shared,
      };
      return GenServer.startLink(remotePool, args, { name, scheduler: k });
    },
  });
  return {
    strategy: 'one_for_one',
    intensity: 10,
    period: 5,
    children: Array.from({ length: count }, (_, k) => child(k)),
  };
}

/** Resolves when every sub-pool's prewarm has settled. */
export async function warmAll(group: string, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, k) =>
      GenServer.call(memberName(group, k), 'warm' satisfies PoolCall as never, Infinity),
    ),
  );
}
