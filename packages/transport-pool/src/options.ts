import type { TelemetryBus } from '@erlmcp/otp';
import { InvalidPoolOptionsError } from './errors';
import type { ConnectionFactory, FactorySpec } from './factory';

export interface HealthCheckOptions {
  /** How often each idle connection is checked. */
  intervalMs: number;
  /** A check that has not answered by then fails (the connection is replaced). Default 5000. */
  timeoutMs?: number;
}

export interface BackoffOptions {
  /** The first retry waits up to this long (full jitter). Default 100. */
  initialMs?: number;
  /** Retries never wait longer than this. Default 10000. */
  maxMs?: number;
}

export interface PoolOptions<R> {
  /**
   * The kind of connection. With `schedulers: 'all'` it must be a FactorySpec
   * (`{ module, export, args }`): each scheduler thread builds its own factory
   * from it, since functions cannot cross threads.
   */
  factory: ConnectionFactory<R> | FactorySpec<R>;
  /**
   * `'all'`: a sub-pool on every scheduler of the node, under one set of limits:
   * `max` counts the connections of every scheduler, `min` is shared out among
   * them, and the other options apply to each sub-pool (`maxWaiters` bounds each
   * one's queue). acquire() takes from the caller's scheduler's sub-pool; when
   * the common max is held by other schedulers, the one with the most idle
   * connections closes one so the caller's can open its own. Default: the pool
   * lives on the scheduler that starts it.
   */
  schedulers?: 'all';
  /** Connections kept open even when idle. Default 0. */
  min?: number;
  /** Never more connections than this (open or opening). Default 10. */
  max?: number;
  /** Open `min` connections at start, and resolve start() once they are up. Default true. */
  prewarm?: boolean;
  /** Connects in flight at once (prewarm and growth). Default 16. */
  connectConcurrency?: number;
  /** A connect that has not succeeded by then fails. Default 10000. */
  connectTimeoutMs?: number;
  /** acquire() waits at most this long. Default 5000. */
  acquireTimeoutMs?: number;
  /** Idle connections above `min` are closed after this long. Default 30000. */
  idleTimeoutMs?: number;
  /** A connection is closed (and replaced if needed) after this many leases. Default Infinity. */
  maxUses?: number;
  /** Callers allowed to wait at once; one more gets WaitersFullError. Default 10000. */
  maxWaiters?: number;
  /** Grow ahead of demand when in-use / size reaches this fraction (0 < x <= 1). Default 0.8. */
  highWatermark?: number;
  /** Periodic checks of idle connections with the factory's check; off when omitted. */
  healthCheck?: HealthCheckOptions;
  backoff?: BackoffOptions;
  /** How often the pool sweeps idle connections and retries failed connects. Default min(1000, idleTimeoutMs / 2). */
  sweepIntervalMs?: number;
  /** Where the pool's telemetry also goes: by default the bus of the node (scheduler) the pool runs on; `false` for none. */
  telemetry?: TelemetryBus | false;
  /** A label for telemetry and logs. */
  name?: string;
}

export interface ResolvedOptions<R> {
  factory: ConnectionFactory<R>;
  /** The spec the factory was built from, when it was given as one. */
  factorySpec: FactorySpec<R> | undefined;
  schedulers: 'one' | 'all';
  min: number;
  max: number;
  prewarm: boolean;
  connectConcurrency: number;
  connectTimeoutMs: number;
  acquireTimeoutMs: number;
  idleTimeoutMs: number;
  maxUses: number;
  maxWaiters: number;
  highWatermark: number;
  healthCheck: { intervalMs: number; timeoutMs: number } | undefined;
  backoff: { initialMs: number; maxMs: number };
  sweepIntervalMs: number;
  telemetry: TelemetryBus | false | undefined;
  name: string;
}

function count(field: string, value: unknown, fallback: number, { min = 0, infinite = false } = {}): number {
  if (value === undefined) return fallback;
  /* eslint-disable @typescript-eslint/no-base-to-string -- a bad value, shown in the message as String() shows it */
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new InvalidPoolOptionsError(field, `expected a number, got ${String(value)}`);
  /* eslint-enable @typescript-eslint/no-base-to-string */
  if (value === Infinity && infinite) return value;
  if (!Number.isFinite(value) || value < min)
    throw new InvalidPoolOptionsError(field, `expected a finite number >= ${min}, got ${String(value)}`);
  return value;
}

function integer(
  field: string,
  value: unknown,
  fallback: number,
  options: { min?: number; infinite?: boolean } = {},
): number {
  const n = count(field, value, fallback, options);
  if (n !== Infinity && !Number.isInteger(n)) throw new InvalidPoolOptionsError(field, `expected an integer, got ${n}`);
  return n;
}

/** Checks every option and fills in the defaults; throws InvalidPoolOptionsError naming the first bad field. */
export function resolveOptions<R>(options: PoolOptions<R>): ResolvedOptions<R> {
  if (options === null || typeof options !== 'object')
    throw new InvalidPoolOptionsError('options', 'expected an object');
  if (options.schedulers !== undefined && options.schedulers !== 'all')
    throw new InvalidPoolOptionsError('schedulers', `expected 'all', got ${String(options.schedulers)}`);
  const factorySpec = isFactorySpec(options.factory) ? options.factory : undefined;
  if (options.schedulers === 'all' && factorySpec === undefined) {
    throw new InvalidPoolOptionsError(
      'factory',
      "with schedulers: 'all' the factory must be a { module, export, args } spec (functions cannot cross threads)",
    );
  }
  const f = (factorySpec === undefined ? options.factory : loadFactory(factorySpec)) as
    Partial<ConnectionFactory<R>> | undefined;
  if (f === null || typeof f !== 'object' || typeof f.connect !== 'function' || typeof f.close !== 'function') {
    throw new InvalidPoolOptionsError('factory', 'expected { kind, connect, close, check?, watch? }');
  }
  const min = integer('min', options.min, 0);
  const max = integer('max', options.max, Math.max(10, min), { min: 1 });
  if (min > max) throw new InvalidPoolOptionsError('min', `min (${min}) is greater than max (${max})`);
  const idleTimeoutMs = count('idleTimeoutMs', options.idleTimeoutMs, 30_000, { min: 1, infinite: true });
  const hc = options.healthCheck;
  let healthCheck: ResolvedOptions<R>['healthCheck'];
  if (hc !== undefined) {
    if (hc === null || typeof hc !== 'object')
      throw new InvalidPoolOptionsError('healthCheck', 'expected { intervalMs, timeoutMs? }');
    if (typeof f.check !== 'function')
      throw new InvalidPoolOptionsError('healthCheck', `the ${String(f.kind)} factory has no check`);
    healthCheck = {
      intervalMs: count('healthCheck.intervalMs', hc.intervalMs, NaN, { min: 1 }),
      timeoutMs: count('healthCheck.timeoutMs', hc.timeoutMs, 5000, { min: 1 }),
    };
    if (Number.isNaN(healthCheck.intervalMs)) throw new InvalidPoolOptionsError('healthCheck.intervalMs', 'required');
  }
  const backoff = {
    initialMs: count('backoff.initialMs', options.backoff?.initialMs, 100, { min: 1 }),
    maxMs: count('backoff.maxMs', options.backoff?.maxMs, 10_000, { min: 1 }),
  };
  const highWatermark = count('highWatermark', options.highWatermark, 0.8);
  if (highWatermark <= 0 || highWatermark > 1)
    throw new InvalidPoolOptionsError('highWatermark', `expected 0 < x <= 1, got ${highWatermark}`);
  if (options.prewarm !== undefined && typeof options.prewarm !== 'boolean')
    throw new InvalidPoolOptionsError('prewarm', 'expected a boolean');
  return {
    factory: f as ConnectionFactory<R>,
    factorySpec,
    schedulers: options.schedulers ?? 'one',
    min,
    max,
    prewarm: options.prewarm ?? true,
    connectConcurrency: integer('connectConcurrency', options.connectConcurrency, 16, { min: 1 }),
    connectTimeoutMs: count('connectTimeoutMs', options.connectTimeoutMs, 10_000, { min: 1 }),
    acquireTimeoutMs: count('acquireTimeoutMs', options.acquireTimeoutMs, 5000, { min: 0, infinite: true }),
    idleTimeoutMs,
    maxUses: integer('maxUses', options.maxUses, Infinity, { min: 1, infinite: true }),
    maxWaiters: integer('maxWaiters', options.maxWaiters, 10_000, { min: 0 }),
    highWatermark,
    healthCheck,
    backoff,
    sweepIntervalMs: count(
      'sweepIntervalMs',
      options.sweepIntervalMs,
      Math.min(1000, idleTimeoutMs === Infinity ? 1000 : Math.max(1, idleTimeoutMs / 2)),
      { min: 1 },
    ),
    telemetry: options.telemetry,
    name: typeof options.name === 'string' ? options.name : (f.kind ?? 'pool'),
  };
}

function isFactorySpec<R>(value: unknown): value is FactorySpec<R> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as FactorySpec<R>).module === 'string' &&
    typeof (value as FactorySpec<R>).export === 'string'
  );
}

/** Builds a factory from its spec on this thread: the export called with `args`, or the export itself when it is a factory. */
export function loadFactory<R>(spec: FactorySpec<R>): ConnectionFactory<R> {
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a factory module named by path at run time, loaded on the scheduler that uses it
    exported = (require(spec.module) as Record<string, unknown>)[spec.export];
  } catch (error) {
    throw new InvalidPoolOptionsError('factory', `cannot load ${spec.module}: ${(error as Error).message}`);
  }
  if (typeof exported === 'function')
    return (exported as (...args: unknown[]) => ConnectionFactory<R>)(...(spec.args ?? []));
  if (typeof exported === 'object' && exported !== null) return exported as ConnectionFactory<R>;
  throw new InvalidPoolOptionsError('factory', `${spec.module} has no export ${spec.export}`);
}
