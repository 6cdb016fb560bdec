/**
 * Typed errors of @erlmcp/ets. Where ETS raises `badarg`, this package throws
 * a subclass of EtsError that says which precondition failed. Each carries a
 * stable `code`, also its class's static `code`, registered here so that
 * `deserializeError` (from @erlmcp/shm) rebuilds the class in any thread that
 * loaded this package: a structured clone of an Error keeps neither its
 * class nor its code, so an error sent to another thread goes as
 * `serializeError(error)`.
 */
import { registerErrorClasses } from '@erlmcp/shm';

export class EtsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The table was deleted (by `delete()`, or because its owner exited without an heir). */
export class TableDeletedError extends EtsError {
  static readonly code = 'ERR_ETS_DELETED';
  constructor(table: string) {
    super(TableDeletedError.code, `table ${table} has been deleted`);
  }
}

/** No table is registered under this name in the calling thread. */
export class NoSuchTableError extends EtsError {
  static readonly code = 'ERR_ETS_NO_TABLE';
  constructor(name: string) {
    super(NoSuchTableError.code, `no table named ${JSON.stringify(name)}`);
  }
}

/** `named: true` with a name another live table already has. */
export class TableNameTakenError extends EtsError {
  static readonly code = 'ERR_ETS_NAME_TAKEN';
  constructor(name: string) {
    super(TableNameTakenError.code, `a table named ${JSON.stringify(name)} already exists`);
  }
}

/** The caller is not allowed this operation by the table's access mode (or is not its owner). */
export class AccessDeniedError extends EtsError {
  static readonly code = 'ERR_ETS_ACCESS';
  constructor(table: string, operation: string, detail: string) {
    super(AccessDeniedError.code, `${operation} on table ${table}: ${detail}`);
  }
}

/** The key is not in the table (lookupElement, updateCounter, ... without a default). */
export class NoSuchKeyError extends EtsError {
  static readonly code = 'ERR_ETS_NO_KEY';
  constructor(table: string, operation: string) {
    super(NoSuchKeyError.code, `${operation} on table ${table}: key not found`);
  }
}

/** An argument ETS would reject with badarg: a non-tuple object, a position out of range, a non-integer counter, ... */
export class BadArgError extends EtsError {
  static readonly code = 'ERR_ETS_BADARG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(BadArgError.code, message, options);
  }
}

/**
 * The table would have to grow past its `maxBytes`. Raised before anything is
 * published, so the table holds exactly what it held before the call.
 */
export class TableFullError extends EtsError {
  static readonly code = 'ERR_ETS_FULL';
  readonly maxBytes: number;
  constructor(table: string, maxBytes: number, cause: unknown) {
    super(TableFullError.code, `table ${table} cannot grow past its maximum of ${maxBytes} bytes`, { cause });
    this.maxBytes = maxBytes;
  }
}

/** A table's internal structures disagree (from `check()`, which tests and diagnostics call). */
export class IntegrityError extends EtsError {
  static readonly code = 'ERR_ETS_INTEGRITY';
  /** `stripe`: the stripe at fault, or null for the table as a whole. */
  constructor(stripe: number | null, message: string, options?: { cause?: unknown }) {
    super(IntegrityError.code, stripe === null ? message : `stripe ${stripe}: ${message}`, options);
  }
}

/**
 * A key or object that msgpackr cannot encode faithfully: a function, a
 * symbol, a cyclic structure, or an object whose contents it cannot see (a
 * boxed primitive, WeakMap, WeakSet, WeakRef, Promise, SharedArrayBuffer).
 * Thrown before anything is written.
 */
export class UnencodableError extends TypeError {
  static readonly code = 'ERR_ETS_UNENCODABLE';
  readonly code = UnencodableError.code;
  /**
   * `path`: where the value sits (`insert[1].tools[0].run`: element 1 of the
   * inserted tuple, then properties and indexes); `what`: what it is (`a function`).
   */
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(
      `cannot store ${what} at ${path}: values must be msgpack-encodable (no functions, symbols, cycles or opaque objects)`,
    );
    this.name = 'UnencodableError';
  }
}

registerErrorClasses([
  TableDeletedError,
  NoSuchTableError,
  TableNameTakenError,
  AccessDeniedError,
  NoSuchKeyError,
  BadArgError,
  TableFullError,
  IntegrityError,
  UnencodableError,
]);
