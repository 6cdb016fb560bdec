/**
 * The number of server processes from the WORKERS environment variable: unset, empty or 1
 * serves from this one process; 2 or more starts the front door (node:cluster workers sharing
 * the port, every one answering 2026-07-28 requests, each 2025 session kept by the worker that
 * opened it); `auto` one per core. Anything else is refused, like a bad PORT.
 */
export function workersFromEnv(value: string | undefined, cores: number): number {
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return cores;
  const workers = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(workers >= 1))
    throw new RangeError(`WORKERS must be 'auto' or an integer in 1..999, got ${JSON.stringify(value)}`);
  return workers;
}
