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
