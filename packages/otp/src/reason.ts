/**
 * Exit reasons. As in Erlang, 'normal' and shutdowns are the quiet ones;
 * a crash carries the thrown value and its stack.
 */

/** A process ended by a throw or a rejected promise in one of its callbacks. */
export class Crash {
  readonly stack: string | undefined;

  constructor(
    readonly error: unknown,
    /** Which callback threw, e.g. 'handleCall' or 'body'. */
    readonly where: string,
  ) {
    this.stack = error instanceof Error ? error.stack : undefined;
  }

  get message(): string {
    return this.error instanceof Error ? this.error.message : String(this.error);
  }

  toString(): string {
    return `crash in ${this.where}: ${this.message}`;
  }
}

/** `{shutdown, Term}`: a shutdown that carries extra information, never logged as a crash. */
export interface ShutdownWith {
  readonly shutdown: unknown;
}

export type ExitReason =
  | 'normal'
  | 'shutdown'
  | 'kill'
  | 'killed'
  | 'noproc'
  | (string & {})
  | ShutdownWith
  | Crash
  | { readonly [key: string]: unknown };

/** normal, shutdown and {shutdown, _}: the reasons a transient child is not restarted for. */
export function isNormalExit(reason: ExitReason): boolean {
  return reason === 'normal' || reason === 'shutdown' || isShutdownWith(reason);
}

export function isShutdownWith(reason: ExitReason): reason is ShutdownWith {
  return typeof reason === 'object' && reason !== null && !(reason instanceof Crash) && 'shutdown' in reason;
}

export function formatReason(reason: ExitReason): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Crash) return reason.toString();
  try {
    return JSON.stringify(reason);
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the last resort, when JSON.stringify throws (a cycle, a bigint)
    return String(reason);
  }
}

/** Wraps whatever a callback threw as an exit reason. */
export function crashReason(error: unknown, where: string): ExitReason {
  if (error instanceof ExitSignal) return error.reason;
  return new Crash(error, where);
}

/**
 * Thrown by `ctx.exit(reason)` (Erlang's exit/1) to unwind the callback;
 * the runtime ends the process with `reason` rather than reporting a crash.
 */
export class ExitSignal extends Error {
  constructor(readonly reason: ExitReason) {
    super(`exit: ${formatReason(reason)}`);
    this.name = 'ExitSignal';
  }
}
