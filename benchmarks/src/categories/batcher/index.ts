import path from 'node:path';
import type { Category } from '../../harness/types';
import * as throughput from './throughput';

/** @erlmcp/message-batcher: throughput against DataLoader, token savings and notification coalescing against sending one by one. */
export const batcher: Category = {
  name: 'batcher',
  peer: 'dataloader 2.2.3',
  readme: path.resolve(__dirname, '../../../../packages/message-batcher/README.md'),
  scenarios: [
    { name: 'throughput', unit: 'items/s', size: { full: 2_000_000, smoke: 10_000 }, target: 1, ours: throughput.ours, peer: throughput.peer },
  ],
};
