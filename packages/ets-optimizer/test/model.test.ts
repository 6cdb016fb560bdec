/**
 * The shared model of ETS semantics (test-support/table-model.ts), the one
 * @erlmcp/ets's own tests run, run against optimized tables: one shard and
 * many, with and without the cold form.
 */
import fc from 'fast-check';
import { END_OF_TABLE } from '@erlmcp/ets';
import { OptimizedTable, type OptimizedTableOptions } from '@erlmcp/ets-optimizer';
import { modelView, opArb, runSequence, type TableType } from '../../../test-support/table-model';

const CONFIGS: Array<[string, OptimizedTableOptions]> = [
  ['1 shard, plain', { shards: 1, hotCold: false, dedup: false, compression: false }],
  ['16 shards, plain', { hotCold: false, dedup: false, compression: false }],
  ['16 shards, every option', {}],
];

describe.each(['set', 'ordered_set', 'bag', 'duplicate_bag'] as TableType[])('%s behaves like its model', (type) => {
  it.each(CONFIGS)('random operation sequences (%s)', (_label, options) => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const table = OptimizedTable.create(`model_${type}`, { ...options, type, access: 'public' });
        try {
          runSequence(modelView(table, END_OF_TABLE), type, ops);
        } finally {
          OptimizedTable.delete(table);
        }
      }),
      { numRuns: 60 },
    );
  });
});
