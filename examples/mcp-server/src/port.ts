/** The port `npm start` listens on when PORT is unset or empty, as `${PORT:-3000}` reads. */
export const DEFAULT_PORT = 3000;

/**
 * The listening port from the PORT environment variable. A value that is not a
 * decimal port number is refused rather than replaced, so a typo does not
 * silently serve on another port.
 */
export function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port <= 65535)) throw new RangeError(`PORT must be an integer in 0..65535, got ${JSON.stringify(value)}`);
  return port;
}
