import path from 'node:path';
import type { Category } from '../../harness/types';
import * as ours from './ours';

/**
 * @erlmcp/ets-optimizer against a plain @erlmcp/ets table (readConcurrency
 * and writeConcurrency, as the optimizer's shards) holding the same session
 * records, and a bare Map for memory. Rows and conditions are described in
 * packages/ets-optimizer/README.md.
 */
export const etsOptimizer: Category = {
  name: 'ets-optimizer',
  peer: 'plain @erlmcp/ets table',
  readme: path.resolve(__dirname, '../../../../packages/ets-optimizer/README.md'),
  scenarios: [
    {
      name: 'memory_reduction',
      unit: 'bytes',
      lowerIsBetter: true,
      target: 2,
      size: { full: 100_000, smoke: 300 },
      ours: (n) => ours.optimizedBytes(n),
      peer: (n) => ours.plainBytes(n),
    },
    {
      name: 'memory_reduction_1m',
      unit: 'bytes',
      lowerIsBetter: true,
      target: 2,
      // About ten minutes a run on a 2-core machine: one run of each side.
      maxRuns: 1,
      size: { full: 1_000_000, smoke: 300 },
      ours: (n) => ours.optimizedBytes(n),
      peer: (n) => ours.plainBytes(n),
    },
    {
      name: 'memory_vs_map',
      unit: 'bytes',
      lowerIsBetter: true,
      peerLabel: 'a bare Map (JS heap)',
      size: { full: 100_000, smoke: 300 },
      // Ours counts its shared memory and the JS heap it takes, measured as the Map's is.
      ours: (n) => ours.optimizedBytes(n, {}, true),
      peer: (n) => ours.mapHeapBytes(n),
    },
    {
      name: 'savings_compression_alone',
      unit: 'bytes',
      lowerIsBetter: true,
      size: { full: 20_000, smoke: 300 },
      ours: (n) => ours.allColdBytes(n, { dedup: false }),
      peer: (n) => ours.plainBytes(n),
    },
    {
      name: 'savings_dedup_dictionary_alone',
      unit: 'bytes',
      lowerIsBetter: true,
      size: { full: 20_000, smoke: 300 },
      ours: (n) => ours.allColdBytes(n, { compression: false }),
      peer: (n) => ours.plainBytes(n),
    },
    {
      name: 'savings_all_cold',
      unit: 'bytes',
      lowerIsBetter: true,
      size: { full: 20_000, smoke: 300 },
      ours: (n) => ours.allColdBytes(n, {}),
      peer: (n) => ours.plainBytes(n),
    },
    {
      name: 'hot_lookup',
      unit: 'lookups/s',
      target: 0.8,
      size: { full: 100_000, smoke: 300 },
      ours: (n) => ours.lookups(n, 'hot', 'ours'),
      peer: (n) => ours.lookups(n, 'hot', 'plain'),
    },
    {
      name: 'cold_lookup',
      unit: 'lookups/s',
      target: 0.3,
      size: { full: 100_000, smoke: 300 },
      ours: (n) => ours.lookups(n, 'cold', 'ours'),
      peer: (n) => ours.lookups(n, 'cold', 'plain'),
    },
    {
      name: 'insert',
      unit: 'inserts/s',
      target: 0.5,
      size: { full: 100_000, smoke: 300 },
      ours: (n) => ours.optimizedInserts(n),
      peer: (n) => ours.plainInserts(n),
    },
    {
      name: 'compaction',
      unit: 'bytes',
      lowerIsBetter: true,
      peerLabel: 'the same table before compact()',
      size: { full: 100_000, smoke: 300 },
      ours: (n) => ours.compactedBytes(n, true),
      peer: (n) => ours.compactedBytes(n, false),
    },
    {
      name: 'compaction_reader_stall',
      unit: 'ms',
      lowerIsBetter: true,
      peerLabel: 'the same reads without compaction',
      size: { full: 100_000, smoke: 300 },
      ours: (n) => ours.readerStall(n, true),
      peer: (n) => ours.readerStall(n, false),
    },
  ],
};
