import type { NameService, Pid } from '@erlmcp/otp';

/**
 * Session id → session process, as a `via` name service: a session process registers
 * itself under its id when it starts and is unregistered when it exits, so a lookup never
 * finds a dead session.
 */
export class SessionRegistry implements NameService<string> {
  private readonly byId = new Map<string, Pid>();
  private readonly listeners = new Set<(id: string) => void>();

  /** Called with the id of every session that ends. */
  onUnregister(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  registerName(id: string, pid: Pid): boolean {
    if (this.byId.has(id)) return false;
    this.byId.set(id, pid);
    return true;
  }

  unregisterName(id: string): void {
    if (!this.byId.delete(id)) return;
    for (const listener of this.listeners) listener(id);
  }

  whereisName(id: string): Pid | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }
}
