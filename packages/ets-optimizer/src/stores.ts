/** The shared stores of the cold form (filled in by the next steps). */
import type { Table, TableType } from '@erlmcp/ets';
import type { ResolvedOptions } from './options';
import type { ColdForm } from './stored';

export interface StoresHandle {
  readonly tables: never[];
}

export interface Stores {
  readonly cold: ColdForm;
  tables(): Table[];
  handle(): StoresHandle;
}

export function createStores(_name: string, _options: ResolvedOptions, _make: (name: string, type: TableType, maxBytes: number) => Table): Stores | null {
  return null;
}

export function attachStores(_name: string, _options: ResolvedOptions, _handle: StoresHandle): Stores | null {
  return null;
}
