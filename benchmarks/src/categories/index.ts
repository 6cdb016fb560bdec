import type { Category } from '../harness/types';
import { ets } from './ets';
import { mcp } from './mcp';
import { otp } from './otp';
import { schedulers } from './schedulers';

/** Every benchmark category, in the order `npm run bench` runs them. */
export const categories: Category[] = [otp, schedulers, mcp, ets];
