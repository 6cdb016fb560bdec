/**
 * Where a node keeps registered names: a Map when the node has one
 * scheduler, the shared NameTable when it has several.
 */
export interface NameRegistry {
  register(name: string, pid: number): boolean;
  unregister(name: string, onlyPid?: number): number | undefined;
  whereis(name: string): number | undefined;
  entries(): [string, number][];
}

export class LocalNames implements NameRegistry {
  private readonly map = new Map<string, number>();

  register(name: string, pid: number): boolean {
    if (this.map.has(name)) return false;
    this.map.set(name, pid);
    return true;
  }

  unregister(name: string, onlyPid?: number): number | undefined {
    const pid = this.map.get(name);
    if (pid === undefined || (onlyPid !== undefined && pid !== onlyPid)) return undefined;
    this.map.delete(name);
    return pid;
  }

  whereis(name: string): number | undefined {
    return this.map.get(name);
  }

  entries(): [string, number][] {
    return [...this.map];
  }
}
