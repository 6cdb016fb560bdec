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
  IntegrityError,
  NoSuchKeyError,
  NoSuchTableError,
  TableDeletedError,
  TableFullError,
  TableNameTakenError,
  UnencodableError,
} from './errors';
// What a table call can throw from the shared memory underneath: a main-thread
// wait that ran out, a re-entrant call from inside a callback that holds a stripe.
export { DeadlockError, ShmError, WaitTimeoutError } from '@erlmcp/shm';
// Errors to and from other threads: a structured clone keeps neither class nor code.
export { deserializeError, isSerializedError, serializeError, type SerializedError } from '@erlmcp/shm';
export { termEquals, compareTerms } from './terms';
// Building blocks for layers over tables (@erlmcp/ets-optimizer): the match-spec
// engine tables run, the codec they store values with, the hash of a key.
export { CompiledSpec, NO_MATCH, matchPattern, bindingList } from './match-spec';
export { encodeValue, decodeValue, hashTerm } from './term-codec';
export { applyCounter, applyElements, counterOps, elementUpdates } from './updates';
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
