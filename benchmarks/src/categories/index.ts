import type { Category } from '../harness/types';
import { mcp } from './mcp';
import { ets } from './ets';
import { otp } from './otp';
import { schedulers } from './schedulers';
import { registry } from './registry';
import { batcher } from './batcher';
import { etsOptimizer } from './ets-optimizer';
import { flash } from './flash';
import { pool } from './pool';
import { tuning } from './tuning';
import { cluster } from './cluster';
import { scale } from './scale';

/** Every benchmark category, in the order `npm run bench` runs them. */
export const categories: Category[] = [
  otp,
  schedulers,
  mcp,
  ets,
  registry,
  etsOptimizer,
  batcher,
  flash,
  pool,
  tuning,
  cluster,
  scale,
];
