/**
 * The shared model of ETS semantics (test-support/table-model.ts), the one
 * @erlmcp/ets's own tests run, run against optimized tables: one shard and
 * many, without a cold form, and with records moved between tiers at random
 * points (every hot record demoted, and cold ones promoted by reads).
 */
import fc from 'fast-check';
import { END_OF_TABLE } from '@erlmcp/ets';
import { OptimizedTable, type OptimizedTableOptions } from '@erlmcp/ets-optimizer';
import {
  checkContents,
  Model,
  modelView,
  opArb,
  run,
  type Op,
  type TableType,
} from '../../../test-support/table-model';

const CONFIGS: Array<[string, OptimizedTableOptions]> = [
  ['1 shard, plain', { shards: 1, hotCold: false, dedup: false, compression: false }],
  ['16 shards, plain', { hotCold: false, dedup: false, compression: false }],
  ['16 shards, every option', { dedup: { minBytes: 16, internMaxLength: 8 } }],
  ['4 shards, always cold', { shards: 4, hotCold: false, dedup: { minBytes: 16 } }],
];

type Step = Op | { op: 'demoteAll' };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: opArb },
  { weight: 1, arbitrary: fc.constant({ op: 'demoteAll' as const }) },
);

describe.each(['set', 'ordered_set', 'bag', 'duplicate_bag'] as TableType[])('%s behaves like its model', (type) => {
  it.each(CONFIGS)('random operation sequences (%s)', (_label, options) => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const table = OptimizedTable.create(`model_${type}`, { ...options, type, access: 'public' });
        try {
          const view = modelView(table, END_OF_TABLE);
          const model = new Model(type);
          for (const step of steps) {
            if (step.op === 'demoteAll') table.maintain({ demoteAll: true });
            else run(view, model, step);
          }
          checkContents(view, model);
          table.maintain({ demoteAll: true });
          checkContents(view, model);
          // Every shared value is referenced by a live record exactly as often as the store counts.
          expect(table.check()).toBeUndefined();
        } finally {
          OptimizedTable.delete(table);
        }
      }),
      { numRuns: 50 },
    );
  });
});
