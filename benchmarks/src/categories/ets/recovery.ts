/**
 * lock_recovery: how long after a lock holder's death the next thread owns
 * the lock (the budget: 100 ms), against how long after asking a
 * live holder to unlock it does (both read on the main thread's clock). Each round starts a worker that takes a SeqLock for
 * writing (as a table stripe's writer does); the main thread waits with
 * lockAsync; then the worker is terminated (ours) or asked to unlock (peer).
 */
import { Ets } from '@erlmcp/ets';
import { SeqLock } from '@erlmcp/shm';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Measurement } from '../../harness/types';
import { wallNow } from './shared';

const WORKER = path.join(__dirname, 'recovery-worker.js');

type Round = (worker: Worker, acquired: Promise<number>) => Promise<number>;

/** Milliseconds from the holder's death (its exit event, after Ets.watch marked it dead) to the lock being ours. */
const afterDeath: Round = async (worker, acquired) => {
  const died = new Promise<number>((resolve) => worker.once('exit', () => resolve(wallNow())));
  await worker.terminate();
  return (await acquired) - (await died);
};

/** Milliseconds from asking the holder to unlock to the lock being ours (one clock: the message's delivery is counted). */
const afterRelease: Round = async (worker, acquired) => {
  const askedAt = wallNow();
  worker.postMessage('release');
  const ms = (await acquired) - askedAt;
  await worker.terminate();
  return ms;
};

async function median(rounds: number, round: Round): Promise<Measurement> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const lock = SeqLock.create({ registry: Ets.registry });
    const worker = Ets.watch(new Worker(WORKER, { workerData: lock.handle() }));
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    const acquired = lock.writerLock.lockAsync(30_000).then(() => wallNow());
    times.push(await round(worker, acquired));
    lock.writerLock.unlock();
  }
  times.sort((a, b) => a - b);
  return { value: times[times.length >> 1]! };
}

export const recoveryAfterDeath = (rounds: number): Promise<Measurement> => median(rounds, afterDeath);
export const acquireAfterRelease = (rounds: number): Promise<Measurement> => median(rounds, afterRelease);
