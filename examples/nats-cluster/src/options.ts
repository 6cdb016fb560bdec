import type { TrafficOptions } from './traffic';

/** Traffic sizes from the environment (SESSIONS, CALLS_PER_SESSION, STATELESS_CALLS, CONCURRENCY). */
export function trafficFromEnv(urls: string[]): TrafficOptions {
  const number = (name: string): number | undefined => {
    const text = process.env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer: ${text}`);
    return value;
  };
  return {
    urls,
    sessions: number('SESSIONS'),
    callsPerSession: number('CALLS_PER_SESSION'),
    statelessCalls: number('STATELESS_CALLS'),
    concurrency: number('CONCURRENCY'),
  };
}
