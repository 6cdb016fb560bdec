import { BadArgError } from './errors';
import type { Pid } from './pid';

/**
 * Erlang's `via` interface: any module that can register, unregister and
 * resolve names can be the name service for GenServer start, call and send.
 */
export interface NameService<N = unknown> {
  /** true when registered; false when the name is taken. */
  registerName(name: N, pid: Pid): boolean | Promise<boolean>;
  unregisterName(name: N): void | Promise<void>;
  whereisName(name: N): Pid | undefined;
}

/** {via, Module, Name} */
export interface ViaName<N = unknown> {
  readonly via: NameService<N>;
  readonly name: N;
}

/** A local registered name, or a name held by another name service. */
export type ServerName = string | ViaName;

export function via<N>(service: NameService<N>, name: N): ViaName<N> {
  return { via: service, name };
}

export function isViaName(value: unknown): value is ViaName {
  return typeof value === 'object' && value !== null && 'via' in value && 'name' in value;
}

export function describeName(name: ServerName): string {
  return typeof name === 'string' ? name : `via(${String(name.name)})`;
}

/** A name a server can be started under: a string, or a `via` name. */
export function isServerName(value: unknown): value is ServerName {
  return typeof value === 'string' || isViaName(value);
}

/** badarg unless `name` is a local registered name (a string). */
export function checkLocalName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string')
    throw new BadArgError(`${what}: a registered name is a string, got ${describeValue(name)}`);
}

/** badarg unless `name` is a string or a `via` name. */
export function checkServerName(what: string, name: unknown): asserts name is ServerName {
  if (!isServerName(name))
    throw new BadArgError(`${what}: a name is a string or via(service, name), got ${describeValue(name)}`);
}

/** A value named for an error message without calling its own toString (which may throw or lie). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'function':
      return 'a function';
    case 'string':
      return JSON.stringify(value);
    default:
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only primitives get here
      return `${typeof value} ${String(value)}`;
  }
}
