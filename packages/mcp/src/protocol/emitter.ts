/** A minimal typed event emitter; a listener's throw is reported, never propagated to the emitter. */
export class Emitter<Events extends object> {
  // Made on the first listener: most sessions never get one.
  private listeners: Map<keyof Events, Set<(payload: never) => void>> | undefined;

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** Returns a function that removes the listener. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    this.listeners ??= new Map();
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.listeners?.get(event);
    if (!set) return;
    for (const listener of [...set] as ((payload: Events[E]) => void)[]) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  clear(): void {
    this.listeners = undefined;
  }
}
