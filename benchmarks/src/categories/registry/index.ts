import path from 'node:path';
import type { Category } from '../../harness/types';
import * as ours from './ours';
import * as peer from './peer';

/**
 * @erlmcp/sharded-registry against a single GenServer registry holding a
 * Map (and, for one-thread lookups, a bare Map). Each row's baseline is
 * named in packages/sharded-registry/README.md.
 */
export const registry: Category = {
  name: 'registry',
  peer: 'baseline',
  readme: path.resolve(__dirname, '../../../../packages/sharded-registry/README.md'),
  scenarios: [
    {
      name: 'lookup_cross_thread',
      unit: 'lookups/s',
      size: { full: 200_000, smoke: 1_000 },
      target: 20,
      ours: (size) => ours.lookups('ours', size, [1], { warm: true }),
      peer: (size) => ours.lookups('peer', size, [1]),
    },
    {
      name: 'lookup_cross_thread_cold',
      unit: 'lookups/s',
      size: { full: 200_000, smoke: 1_000 },
      ours: (size) => ours.lookups('ours', size, [1]),
      peer: (size) => ours.lookups('peer', size, [1]),
    },
    {
      name: 'lookup',
      unit: 'lookups/s',
      size: { full: 5_000_000, smoke: 2_000 },
      target: 1.0,
      ours: (size) => ours.lookups('ours', size, [0], { warm: true }),
      peer: peer.mapGet,
    },
    {
      name: 'lookup_2_threads',
      unit: 'lookups/s',
      size: { full: 5_000_000, smoke: 2_000 },
      target: 1.7,
      ours: (size) => ours.lookups('ours', size, [0, 1], { warm: true }),
      peer: (size) => ours.lookups('ours', size, [1], { warm: true }),
    },
    {
      name: 'register',
      unit: 'registrations/s',
      size: { full: 100_000, smoke: 1_000 },
      target: 3,
      ours: (size) => ours.registrations('ours', size, [0, 1]),
      peer: (size) => ours.registrations('peer', size, [0, 1]),
    },
    ...[1, 4, 16, 64].flatMap((shards) => [
      {
        name: `shard_scaling_lookup_${shards}`,
        unit: 'lookups/s',
        size: { full: 1_000_000, smoke: 2_000 },
        ours: (size: number) => ours.lookups('ours', size, [0], { shards, cacheEntries: 0 }),
        peer: (size: number) => ours.lookups('ours', size, [0], { shards: 1, cacheEntries: 0 }),
      },
      {
        name: `shard_scaling_register_${shards}`,
        unit: 'registrations/s',
        size: { full: 100_000, smoke: 1_000 },
        ours: (size: number) => ours.registrations('ours', size, [0, 1], { shards }),
        peer: (size: number) => ours.registrations('ours', size, [0, 1], { shards: 1 }),
      },
    ]),
  ],
};
