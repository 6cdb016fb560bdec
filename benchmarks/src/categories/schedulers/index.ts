import path from 'node:path';
import type { Category } from '../../harness/types';
import * as ours from './ours';
import * as postMessage from './post-message';

/** Multi-core: schedulers on worker threads against what Node gives without them. */
export const schedulers: Category = {
  name: 'schedulers',
  peer: 'postMessage',
  readme: path.resolve(__dirname, '../../../../packages/otp/README.md'),
  scenarios: [
    {
      name: 'cross_cast',
      unit: 'msgs/s',
      size: { full: 1_000_000, smoke: 5_000 },
      target: 5,
      ours: ours.crossCast,
      peer: postMessage.cast,
    },
    {
      name: 'cross_call',
      unit: 'calls/s',
      size: { full: 100_000, smoke: 500 },
      target: 3,
      ours: ours.crossCall,
      peer: postMessage.call,
    },
    {
      name: 'parallel_work',
      unit: 'calls/s',
      peerLabel: 'the same on 1 scheduler',
      size: { full: 2_000, smoke: 20 },
      target: 1.7,
      ours: (size) => ours.parallelWork(size, 2),
      peer: (size) => ours.parallelWork(size, 1),
    },
  ],
};
