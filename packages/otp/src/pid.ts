/**
 * Process identifiers and references, printed the way Erlang prints them.
 *
 * A Pid names a process by node and number only: nothing in it says which
 * scheduler (thread) the process runs on, so sends stay location-transparent.
 */
export class Pid {
  constructor(
    readonly node: number,
    readonly id: number,
  ) {}

  toString(): string {
    return `<${this.node}.${this.id}.0>`;
  }

  /** console.log and util.inspect print a pid the way Erlang does. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Pids are interned per node; equality by value covers pids rebuilt from the wire. */
  equals(other: Pid): boolean {
    return this.id === other.id && this.node === other.node;
  }
}

/** A unique reference, as from make_ref(): monitors, timers and calls use them. */
export class Ref {
  constructor(
    readonly node: number,
    readonly id: number,
  ) {}

  toString(): string {
    return `#Ref<${this.node}.${this.id}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export function isPid(value: unknown): value is Pid {
  return value instanceof Pid;
}
