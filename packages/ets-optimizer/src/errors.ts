/**
 * Typed errors of @erlmcp/ets-optimizer. Table operations throw the errors
 * of @erlmcp/ets (AccessDeniedError, BadArgError, UnencodableError naming
 * the field, ...), as a plain table would; these are the optimizer's own.
 * Each has a stable `code`, registered so that `deserializeError` rebuilds
 * it in any thread that loaded the package.
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

/** An option that is unknown, of the wrong type or out of range; `field` names it (`'shards'`, `'hotCold.promoteAfter'`). Nothing was created. */
export class InvalidOptionError extends OptimizerError {
  static readonly code = 'ERR_ETS_OPTIMIZER_OPTION';
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(InvalidOptionError.code, `option ${field}: ${detail}`);
  }
}

registerErrorClasses([InvalidOptionError]);
