import { GenServer, send, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';
import { ShardedRegistry } from '@erlmcp/sharded-registry';
import { inProcess, onNode } from '../../harness/node';
import type { Measurement } from '../../harness/types';
import { mapRegistry, type Job, type Timing } from './remote';

const remote = require.resolve('./remote');

/** 100,000 names in full runs; a few in smoke runs (and in their warm-up). */
export function namesFor(size: number): number {
  return size >= 10_000 ? 100_000 : 1_000;
}

/** Where the names live: our registry or the peer's map registry (both on scheduler 0). */
export type Side = { kind: 'ours'; registry: ShardedRegistry } | { kind: 'peer'; pid: Pid };

async function holders(count: number): Promise<Pid[]> {
  return Array.from({ length: count }, () => spawn(async (ctx) => void (await ctx.receive((m) => m === 'exit'))));
}

/** Registers `name:0..n-1`, held by 100 processes on scheduler 0. */
async function fill(side: Side, n: number): Promise<void> {
  const owners = await holders(100);
  const batch = 256;
  for (let i = 0; i < n; i += batch) {
    const work: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      const pid = owners[j % owners.length]!;
      if (side.kind === 'ours') work.push(side.registry.registerName(`name:${j}`, pid));
      else work.push(GenServer.call(side.pid, { op: 'register', name: `name:${j}`, pid } as never));
    }
    await Promise.all(work);
  }
}

export async function makeSide(
  kind: 'ours' | 'peer',
  options: { shards?: number; cacheEntries?: number } = {},
): Promise<Side> {
  if (kind === 'peer') return { kind, pid: (await GenServer.start(mapRegistry, undefined)) as Pid };
  const registry = ShardedRegistry.create({
    shards: options.shards,
    maxShards: Math.max(64, options.shards ?? 0),
    cacheEntries: options.cacheEntries,
  });
  await registry.start();
  return { kind, registry };
}

/**
 * Starts one runner per entry of `placements` (a scheduler each), gives each
 * its job, releases them together and returns total operations per second
 * from the first start to the last end.
 */
async function runTogether(
  ctx: ProcessContext,
  body: 'lookupRunner' | 'registerRunner',
  side: Side,
  placements: number[],
  job: Omit<Job, 'report'>,
  count: number,
): Promise<{ rate: number; misses: number; runners: Pid[]; start: number; end: number }> {
  const runners = placements.map((scheduler) => spawn({ module: remote, export: body }, { scheduler }));
  runners.forEach((pid, k) =>
    send(pid, {
      ...job,
      report: ctx.self,
      handle: side.kind === 'ours' ? side.registry.handle() : undefined,
      peer: side.kind === 'peer' ? side.pid : undefined,
      count: Math.floor(count / placements.length),
      prefix: `r${k}`,
      offset: k * 50_021,
    } satisfies Job),
  );
  for (let k = 0; k < runners.length; k++)
    await ctx.receive((m) => typeof m === 'object' && m !== null && 'ready' in m);
  for (const pid of runners) send(pid, 'go');
  const timings: Timing[] = [];
  for (let k = 0; k < runners.length; k++)
    timings.push(
      (await ctx.receive<{ timing: Timing }>((m) => typeof m === 'object' && m !== null && 'timing' in m)).timing,
    );
  const start = Math.min(...timings.map((t) => t.start));
  const end = Math.max(...timings.map((t) => t.end));
  const done = Math.floor(count / placements.length) * placements.length;
  return {
    rate: done / ((end - start) / 1000),
    misses: timings.reduce((n, t) => n + t.misses, 0),
    runners,
    start,
    end,
  };
}

function checkNoMisses(misses: number): void {
  if (misses !== 0) throw new Error(`${misses} lookups missed registered names`);
}

/** Lookups from `placements` (schedulers) of names registered by processes on scheduler 0. */
export function lookups(
  kind: 'ours' | 'peer',
  size: number,
  placements: number[],
  options: { shards?: number; cacheEntries?: number; warm?: boolean } = {},
): Promise<Measurement> {
  return onNode(2, () =>
    inProcess(async (ctx) => {
      const side = await makeSide(kind, options);
      const names = namesFor(size);
      await fill(side, names);
      const { rate, misses } = await runTogether(
        ctx,
        'lookupRunner',
        side,
        placements,
        { names, count: size, warm: options.warm },
        size,
      );
      checkNoMisses(misses);
      return { value: rate };
    }),
  );
}

/** Registrations from `placements` (schedulers), distinct names, until every shard has taken its monitors. */
export function registrations(
  kind: 'ours' | 'peer',
  size: number,
  placements: number[],
  options: { shards?: number } = {},
): Promise<Measurement> {
  return onNode(2, () =>
    inProcess(async (ctx) => {
      const side = await makeSide(kind, options);
      const { misses, runners, start, end } = await runTogether(
        ctx,
        'registerRunner',
        side,
        placements,
        { names: 0, count: size },
        size,
      );
      if (misses !== 0) throw new Error(`${misses} registrations refused`);
      // Ours returns before its shard has monitored the holder: count that work too.
      if (side.kind === 'ours') await side.registry.settle();
      const elapsed = Math.max(end, performance.timeOrigin + performance.now()) - start;
      for (const pid of runners) send(pid, 'exit');
      const done = Math.floor(size / placements.length) * placements.length;
      return { value: done / (elapsed / 1000) };
    }),
  );
}
