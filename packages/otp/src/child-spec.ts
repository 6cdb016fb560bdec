import { BadArgError, DuplicateChildError, InvalidChildSpecError } from './errors';
import { describeValue } from './names';
import type { Pid } from './pid';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
/** permanent: always restarted; transient: restarted after an abnormal exit; temporary: never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';
/** How a child is stopped: killed at once, given a timeout in ms to terminate, or waited for. */
export type Shutdown = 'brutal_kill' | 'infinity' | number;
export type ChildType = 'worker' | 'supervisor';
/**
 * Starts the child linked to the supervisor (it runs as the supervisor, so
 * GenServer.startLink and spawnLink link to it). Returning 'ignore', or rejecting
 * with IgnoredError (as GenServer.startLink does), leaves it not running.
 */
export type StartFunction = () => Pid | 'ignore' | Promise<Pid | 'ignore'>;

export interface ChildSpec {
  id: string;
  start: StartFunction;
  restart?: RestartType;
  /** Default: 5000 ms for a worker, infinity for a supervisor. */
  shutdown?: Shutdown;
  type?: ChildType;
}

export type NormalizedChildSpec = Required<ChildSpec>;

export interface SupervisorFlags {
  strategy?: Strategy;
  /** Restarts allowed within `period` seconds before the supervisor gives up: a whole number >= 0 (OTP default 1). */
  intensity?: number;
  /** In whole seconds > 0, as in OTP (default 5). */
  period?: number;
}

const strategies: readonly Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
const restarts: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const types: readonly ChildType[] = ['worker', 'supervisor'];

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new InvalidChildSpecError(field, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Checks one child spec and fills OTP's defaults; errors name the offending field. */
export function normalizeChildSpec(spec: ChildSpec, field = 'child'): NormalizedChildSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidChildSpecError(field, 'expected an object');
  if (typeof spec.id !== 'string' || spec.id.length === 0) {
    throw new InvalidChildSpecError(`${field}.id`, `expected a non-empty string, got ${JSON.stringify(spec.id)}`);
  }
  if (typeof spec.start !== 'function') throw new InvalidChildSpecError(`${field}.start`, 'expected a function');
  const type = oneOf(`${field}.type`, spec.type ?? 'worker', types);
  const restart = oneOf(`${field}.restart`, spec.restart ?? 'permanent', restarts);
  const shutdown = spec.shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  if (!(
    shutdown === 'brutal_kill' ||
    shutdown === 'infinity' ||
    (typeof shutdown === 'number' && Number.isInteger(shutdown) && shutdown >= 0)
  )) {
    throw new InvalidChildSpecError(
      `${field}.shutdown`,
      `expected 'brutal_kill', 'infinity' or a whole number of ms >= 0, got ${JSON.stringify(shutdown)}`,
    );
  }
  return { id: spec.id, start: spec.start, restart, shutdown, type };
}

export function normalizeChildSpecs(children: readonly ChildSpec[]): NormalizedChildSpec[] {
  if (!Array.isArray(children)) throw new InvalidChildSpecError('children', 'expected an array');
  const seen = new Set<string>();
  // Typed: Array.isArray above narrowed `children` to any[].
  return children.map((spec: ChildSpec, i) => {
    const normalized = normalizeChildSpec(spec, `children[${i}]`);
    if (seen.has(normalized.id)) throw new DuplicateChildError(normalized.id);
    seen.add(normalized.id);
    return normalized;
  });
}

export interface NormalizedFlags {
  strategy: Strategy;
  intensity: number;
  period: number;
}

/** Checks the supervisor flags (OTP's sup_flags) and fills the defaults; a bad one is a BadArgError naming it. */
export function normalizeFlags(flags: SupervisorFlags): NormalizedFlags {
  if (typeof flags !== 'object' || flags === null) throw new BadArgError('supervisor flags: expected an object');
  const strategy = flags.strategy === undefined ? 'one_for_one' : flags.strategy;
  if (!strategies.includes(strategy))
    throw new BadArgError(`strategy: expected one of ${strategies.join(', ')}, got ${describeValue(strategy)}`);
  const intensity = flags.intensity === undefined ? 1 : flags.intensity;
  if (!Number.isInteger(intensity) || intensity < 0)
    throw new BadArgError(`intensity: expected a whole number >= 0, got ${describeValue(intensity)}`);
  // Whole seconds, as OTP's period: a fraction is more likely a unit mix-up (ms meant) than intended.
  const period = flags.period === undefined ? 5 : flags.period;
  if (!Number.isInteger(period) || period <= 0)
    throw new BadArgError(`period: expected a whole number of seconds > 0, got ${describeValue(period)}`);
  return { strategy, intensity, period };
}
