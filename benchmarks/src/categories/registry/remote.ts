/**
 * Code the registry benchmarks run as processes on scheduler 0 or 1, by
 * module path and export (this file, compiled next to the runner in dist/).
 * Each runner receives its job, reports `ready`, waits for `go`, works, and
 * reports wall-clock start and end (timeOrigin-based, comparable across threads).
 */
import { DownMessage, GenServer, isPid, noreply, ok, reply, type Pid, type ProcessContext } from '@erlmcp/otp';
import { ShardedRegistry, type RegistryHandle } from '@erlmcp/sharded-registry';

export type PeerRequest = { op: 'whereis'; name: string } | { op: 'register'; name: string; pid: Pid; meta?: unknown };

interface PeerState {
  names: Map<string, { pid: Pid; meta: unknown }>;
  byPid: Map<string, string[]>;
}

/** The peer: one GenServer holding a Map, monitoring holders as a registry must. */
export const mapRegistry = GenServer.define({
  init: () => ok<PeerState>({ names: new Map(), byPid: new Map() }),
  handleCall: (req: PeerRequest, _from, s: PeerState, ctx: ProcessContext) => {
    if (req.op === 'whereis') return reply<PeerState, Pid | boolean | null>(s.names.get(req.name)?.pid ?? null, s);
    if (s.names.has(req.name)) return reply<PeerState, Pid | boolean | null>(false, s);
    s.names.set(req.name, { pid: req.pid, meta: req.meta });
    const key = `${req.pid.node}.${req.pid.id}`;
    const held = s.byPid.get(key);
    if (held === undefined) {
      s.byPid.set(key, [req.name]);
      ctx.monitor(req.pid);
    } else held.push(req.name);
    return reply<PeerState, Pid | boolean | null>(true, s);
  },
  handleInfo: (m: unknown, s: PeerState) => {
    if (m instanceof DownMessage && isPid(m.pid)) {
      const key = `${m.pid.node}.${m.pid.id}`;
      for (const name of s.byPid.get(key) ?? []) s.names.delete(name);
      s.byPid.delete(key);
    }
    return noreply(s);
  },
});

export interface Job {
  report: Pid;
  /** Ours: the registry handle. Peer: the map registry's pid. */
  handle?: RegistryHandle;
  peer?: Pid;
  names: number;
  count: number;
  /** register: the prefix of this runner's names. */
  prefix?: string;
  /** lookup: the index to start the stride at, so two runners do not read in lockstep. */
  offset?: number;
  /** lookup, ours: read every name once before `ready` (steady state: this thread's lookup cache is filled). */
  warm?: boolean;
}

export interface Timing {
  start: number;
  end: number;
  misses: number;
}

const now = () => performance.timeOrigin + performance.now();

/** Whereis of `name:<i>` in a scrambled order, the key string built per lookup. */
export async function lookupRunner(ctx: ProcessContext): Promise<void> {
  const job = await ctx.receive<Job>();
  const registry = job.handle !== undefined ? ShardedRegistry.attach(job.handle) : undefined;
  if (registry !== undefined && job.warm === true) for (let i = 0; i < job.names; i++) registry.whereis(`name:${i}`);
  ctx.send(job.report, { ready: ctx.self });
  await ctx.receive((m) => m === 'go');
  let misses = 0;
  let idx = job.offset ?? 0;
  const start = now();
  if (registry !== undefined) {
    for (let i = 0; i < job.count; i++) {
      idx = (idx + 7919) % job.names;
      if (registry.whereis(`name:${idx}`) === undefined) misses++;
    }
  } else {
    for (let i = 0; i < job.count; i++) {
      idx = (idx + 7919) % job.names;
      if ((await GenServer.call(job.peer!, { op: 'whereis', name: `name:${idx}` } as never)) === null) misses++;
    }
  }
  ctx.send(job.report, { timing: { start, end: now(), misses } satisfies Timing });
}

/** Registers `count` distinct names for itself, one after another. */
export async function registerRunner(ctx: ProcessContext): Promise<void> {
  const job = await ctx.receive<Job>();
  const registry = job.handle !== undefined ? ShardedRegistry.attach(job.handle) : undefined;
  ctx.send(job.report, { ready: ctx.self });
  await ctx.receive((m) => m === 'go');
  let misses = 0;
  const start = now();
  for (let i = 0; i < job.count; i++) {
    const name = `${job.prefix}:${i}`;
    if (registry !== undefined) await registry.registerName(name, ctx.self);
    else if ((await GenServer.call(job.peer!, { op: 'register', name, pid: ctx.self } as never)) !== true) misses++;
  }
  ctx.send(job.report, { timing: { start, end: now(), misses } satisfies Timing });
  await ctx.receive((m) => m === 'exit'); // holds its names until the benchmark ends
}
