/**
 * The `erlmcp` command's exit codes, for scripts. A subcommand that runs another program
 * (start, bench, report, project) exits with that program's own code.
 */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** The command ran and failed (or the program it ran was ended by a signal). */
  Failed: 1,
  /** Bad usage: an unknown command or option, a missing or malformed value. */
  Usage: 2,
  /** The repository checkout (or its built files) this subcommand needs was not found. */
  NoCheckout: 3,
  /** `observer`: nothing answered at the observer's URL. */
  Unreachable: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
