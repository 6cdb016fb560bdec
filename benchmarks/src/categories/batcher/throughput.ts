/**
 * throughput: items/s through a batcher with a trivial async sink, against
 * DataLoader 2.x with the same batch function. Both sides: CALLERS callers
 * that each await their item before adding the next (a closed loop, as
 * resolvers calling load() are), batches capped at BATCH items, DataLoader
 * with its default scheduling (end of tick) and its cache off (the batcher
 * caches nothing; with distinct keys a cache only adds Map inserts).
 */
import DataLoader from 'dataloader';
import { Batcher } from '@erlmcp/message-batcher';
import { onNode } from '../../harness/node';
import { ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

export const CALLERS = 1000;
export const BATCH = 100;

/** The batch function both sides use. */
const double = async (keys: readonly number[]): Promise<number[]> => keys.map((k) => k * 2);

async function drive(size: number, load: (key: number) => Promise<number>): Promise<number> {
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

export function ours(size: number): Promise<Measurement> {
  return onNode(1, async () => {
    const batcher = Batcher.create<number, number>({ sink: (keys) => double(keys), maxItems: BATCH });
    await batcher.start();
    const value = await drive(size, (key) => batcher.add(key));
    await batcher.stop();
    return { value };
  });
}

export async function peer(size: number): Promise<Measurement> {
  const loader = new DataLoader<number, number>(double, { cache: false, maxBatchSize: BATCH });
  return { value: await drive(size, (key) => loader.load(key)) };
}
