/**
 * @erlmcp/ets: ETS-like tables in SharedArrayBuffer memory, read and written
 * directly from the main thread and from worker threads.
 */
export { Ets, DEFAULT_MAX_BYTES, WRITE_CONCURRENCY_STRIPES } from './ets';
export { Table, END_OF_TABLE, type EndOfTable } from './table';
export { _, $, $_, $$, type MatchClause, type MatchSpec, type Pattern, type GuardExpression } from './match-spec';
export {
  AccessDeniedError,
  BadArgError,
  EtsError,
  NoSuchKeyError,
  NoSuchTableError,
  TableDeletedError,
  TableFullError,
  TableNameTakenError,
  UnencodableError,
} from './errors';
export { IntegrityError } from './integrity';
export { WaitTimeoutError } from '@erlmcp/shm';
export { termEquals, compareTerms } from './terms';
export { xxh32 } from './xxh32';
export { hashKey, keyHashReady, WASM_MIN_KEY_BYTES } from './key-hash';
export type {
  Access,
  CounterOp,
  EtsTransferMessage,
  HeirSpec,
  KeyRange,
  Owner,
  SelectOptions,
  TableHandle,
  TableInfo,
  TableOptions,
  TableType,
  Tuple,
} from './types';
