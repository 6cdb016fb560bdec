/**
 * throughput: items/s through a batcher with a trivial async sink, against
 * DataLoader 2.x with the same batch function. Both sides: CALLERS callers
 * that each await their item before adding the next (a closed loop, as
 * resolvers calling load() are), batches capped at BATCH items, DataLoader
 * with its default scheduling (end of tick) and its cache off (the batcher
 * caches nothing; with distinct keys a cache only adds Map inserts).
 *
 * `paired` measures both in one process, in ROUNDS alternating rounds (the
 * side that goes first alternates too), after the same warm-up, with a full
 * collection before each round: on a loaded machine, two processes minutes
 * apart see different loads, and the ratio swung with it (0.97 to 1.31).
 */
import DataLoader from 'dataloader';
import { Batcher } from '@erlmcp/message-batcher';
import { onNode } from '../../harness/node';
import { median, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

export const CALLERS = 1000;
export const BATCH = 100;
/** Rounds of each side in a paired run; each round is a quarter of the run's size. */
export const ROUNDS = 6;

/** The batch function both sides use. */
const double = async (keys: readonly number[]): Promise<number[]> => keys.map((k) => k * 2);

type Load = (key: number) => Promise<number>;

// Two copies of one driver, one per side: V8 keeps type feedback per function, and a shared
// driver would see both load functions (polymorphic) when both sides run in one process.
function driveOurs(size: number, load: Load): Promise<number> {
  let next = 0;
  return ratePerSecond(size, async () => {
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < size) {
          const key = next++;
          if ((await load(key)) !== key * 2) throw new Error(`wrong answer for ${key}`);
        }
      }),
    );
  });
}

function drivePeer(size: number, load: Load): Promise<number> {
  let next = 0;
  return ratePerSecond(size, async () => {
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < size) {
          const key = next++;
          if ((await load(key)) !== key * 2) throw new Error(`wrong answer for ${key}`);
        }
      }),
    );
  });
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function ours(size: number): Promise<Measurement> {
  return onNode(1, async () => {
    const batcher = Batcher.create<number, number>({ sink: (keys) => double(keys), maxItems: BATCH });
    await batcher.start();
    const value = await driveOurs(size, (key) => batcher.add(key));
    await batcher.stop();
    return { value };
  });
}

export async function peer(size: number): Promise<Measurement> {
  const loader = new DataLoader<number, number>(double, { cache: false, maxBatchSize: BATCH });
  return { value: await drivePeer(size, (key) => loader.load(key)) };
}

/** Both sides in this process, alternating rounds; each side's value is the median of its rounds. */
export function paired(size: number): Promise<{ ours: Measurement; peer: Measurement }> {
  return onNode(1, async () => {
    const batcher = Batcher.create<number, number>({ sink: (keys) => double(keys), maxItems: BATCH });
    await batcher.start();
    const loader = new DataLoader<number, number>(double, { cache: false, maxBatchSize: BATCH });
    const round = Math.max(CALLERS, Math.floor(size / 4));
    const sides = {
      ours: () => driveOurs(round, (key) => batcher.add(key)),
      peer: () => drivePeer(round, (key) => loader.load(key)),
    };
    // The same untimed warm-up for each, so the JIT has compiled both hot paths.
    for (const side of ['ours', 'peer', 'ours', 'peer'] as const) await sides[side]();
    const rates: Record<'ours' | 'peer', number[]> = { ours: [], peer: [] };
    // CPU time per item too: less swayed than wall time by other processes on the machine.
    const cpu: Record<'ours' | 'peer', number[]> = { ours: [], peer: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 === 0 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const)) {
        collect();
        const before = process.cpuUsage();
        rates[side].push(await sides[side]());
        const used = process.cpuUsage(before);
        cpu[side].push(((used.user + used.system) * 1000) / round);
      }
    }
    await batcher.stop();
    const ratios = rates.ours.map((rate, i) => rate / rates.peer[i]!);
    return {
      ours: {
        value: median(rates.ours),
        detail: { roundRatioMedian: median(ratios), cpuNsPerItem: median(cpu.ours) },
      },
      peer: { value: median(rates.peer), detail: { cpuNsPerItem: median(cpu.peer) } },
    };
  });
}
