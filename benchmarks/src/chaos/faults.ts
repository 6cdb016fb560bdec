import { exit, GenServer, isPid, spawn, Supervisor, whereis } from '@erlmcp/otp';
import type { SessionHost } from '@erlmcp/mcp/hosting';
import { LISTENER, SHARD_MODULE, shardName, TOOLS } from './tree';

/** The faults the driver injects (dropping client streams is the client's, per request). */
export type FaultKind = 'session' | 'worker' | 'listener' | 'scheduler' | 'stall';

export interface FaultTargets {
  host: SessionHost;
  stalled: Set<number>;
  /** Shards that may be faulted (never the control shards). */
  faultedShards: readonly number[];
  /** Session ids that may be killed (never a control session's). */
  exposedSessions: () => string[];
  /** How long a stalled handler stays stalled (past the handler timeout). */
  stallMs: number;
}

const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

/**
 * Injects one fault; returns what it hit (a session id, a shard), or undefined when there
 * was nothing to hit. Every kill is 'kill': untrappable, no terminate runs, as a crash would.
 */
export async function inject(kind: FaultKind, targets: FaultTargets): Promise<string | undefined> {
  switch (kind) {
    case 'session': {
      const id = pick(targets.exposedSessions());
      const pid = id === undefined ? undefined : targets.host.lookup(id);
      if (pid === undefined) return undefined;
      exit(pid, 'kill');
      return id;
    }
    case 'worker': {
      // By the supervisor's children: a worker on scheduler 1 is registered there, not here.
      const shard = pick(targets.faultedShards);
      const children = await Supervisor.whichChildren(TOOLS);
      const pid = children.find((child) => child.id === `shard_${shard}`)?.pid;
      if (!isPid(pid)) return undefined;
      exit(pid, 'kill');
      return `shard ${shard}`;
    }
    case 'listener': {
      const pid = whereis(LISTENER);
      if (pid === undefined) return undefined;
      exit(pid, 'kill');
      return String(pid);
    }
    case 'scheduler':
      // An uncaught error on scheduler 1's thread: the thread dies, a replacement takes its ring.
      spawn({ module: SHARD_MODULE, export: 'crashThread' }, { scheduler: 1 });
      return 'scheduler 1';
    case 'stall': {
      const shard = pick(targets.faultedShards);
      if (shard === undefined || targets.stalled.has(shard)) return undefined;
      targets.stalled.add(shard);
      setTimeout(() => targets.stalled.delete(shard), targets.stallMs).unref();
      return `shard ${shard}`;
    }
  }
}

/** Calls `name` until it answers or `deadline` (performance.now()) passes. */
async function answers(name: string, request: unknown, deadline: number): Promise<boolean> {
  while (performance.now() < deadline) {
    try {
      await GenServer.call(name, request, Math.max(1, deadline - performance.now()));
      return true;
    } catch {
      // Not back yet (a restart in progress): asked again.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}

/** Whether every worker of the tree came back within `withinMs`: each shard and the listener answer by name. */
export async function restored(shards: number, withinMs: number): Promise<{ shards: number; listener: boolean }> {
  const deadline = performance.now() + withinMs;
  let alive = 0;
  for (let shard = 0; shard < shards; shard++)
    if (await answers(shardName(shard), { text: '', delayMs: 0 }, deadline)) alive++;
  return { shards: alive, listener: await answers(LISTENER, 'url', deadline) };
}
