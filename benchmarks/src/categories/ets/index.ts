import path from 'node:path';
import type { Category } from '../../harness/types';
import * as ours from './ours';
import * as peer from './peer';
import { acquireAfterRelease, recoveryAfterDeath } from './recovery';

/**
 * @erlmcp/ets against what one would use without it. Each row's baseline is
 * named in packages/ets/README.md: a JS Map for single-thread lookups (ours
 * with a readCache for `lookup`, without for `lookup_uncached`) and
 * memory, one thread for the two-thread rows, a GenServer asked through
 * postMessage for lookups from a worker.
 */
export const ets: Category = {
  name: 'ets',
  peer: 'baseline',
  readme: path.resolve(__dirname, '../../../../packages/ets/README.md'),
  scenarios: [
    {
      name: 'lookup',
      unit: 'lookups/s',
      size: { full: 2_000_000, smoke: 2_000 },
      target: 1.0,
      ours: ours.lookup,
      peer: peer.mapLookup,
    },
    {
      name: 'lookup_uncached',
      unit: 'lookups/s',
      size: { full: 2_000_000, smoke: 2_000 },
      ours: ours.lookupUncached,
      peer: peer.mapLookup,
    },
    {
      name: 'lookup_2_threads',
      unit: 'lookups/s',
      size: { full: 2_000_000, smoke: 2_000 },
      target: 1.7,
      ours: ours.lookupTwoThreads,
      peer: ours.lookupOneThread,
    },
    {
      name: 'cross_thread_lookup',
      unit: 'lookups/s',
      size: { full: 200_000, smoke: 1_000 },
      target: 20,
      ours: ours.crossThreadLookup,
      peer: peer.genServerFromWorker,
    },
    {
      name: 'insert_2_threads',
      unit: 'inserts/s',
      size: { full: 1_000_000, smoke: 2_000 },
      ours: (size) => ours.insertThreads(size, 2),
      peer: (size) => ours.insertThreads(size, 1),
    },
    {
      name: 'update_counter_2_threads',
      unit: 'updates/s',
      size: { full: 1_000_000, smoke: 2_000 },
      ours: (size) => ours.updateCounterThreads(size, 2),
      peer: (size) => ours.updateCounterThreads(size, 1),
    },
    {
      name: 'lock_recovery',
      unit: 'ms',
      lowerIsBetter: true,
      size: { full: 15, smoke: 2 },
      peerLabel: 'a normal unlock',
      ours: recoveryAfterDeath,
      peer: acquireAfterRelease,
    },
    {
      name: 'memory_per_entry',
      unit: 'bytes/entry',
      lowerIsBetter: true,
      size: { full: 1_000_000, smoke: 1_000 },
      target: 1.5,
      ours: ours.memoryPerEntry,
      peer: peer.mapMemoryPerEntry,
    },
  ],
};
