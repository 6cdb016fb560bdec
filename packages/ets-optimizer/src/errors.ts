/**
 * Typed errors of @erlmcp/ets-optimizer. Table operations throw the errors
 * of @erlmcp/ets (AccessDeniedError, BadArgError, ...), as a plain table
 * would; these are the optimizer's own: bad options, and values its cold
 * codec cannot hold. Each has a stable `code`, registered so that
 * `deserializeError` rebuilds it in any thread that loaded the package.
 */
import { registerErrorClasses } from '@erlmcp/shm';

export class OptimizerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option that is unknown, of the wrong type or out of range; `field` names it (`'shards'`, `'hotCold.maxHot'`). Nothing was created. */
export class InvalidOptionError extends OptimizerError {
  static readonly code = 'ERR_ETS_OPTIMIZER_OPTION';
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(InvalidOptionError.code, `option ${field}: ${detail}`);
  }
}

/** A value the table cannot store; `field` is where in the object it sits (`'[2].tools[0].run'`). Nothing was written. */
export class UnencodableValueError extends OptimizerError {
  static readonly code = 'ERR_ETS_OPTIMIZER_VALUE';
  constructor(
    readonly field: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(UnencodableValueError.code, `${field}: ${detail}`, options);
  }
}

registerErrorClasses([InvalidOptionError, UnencodableValueError]);
