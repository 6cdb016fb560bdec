/**
 * SharedArrayBuffers in messages. A ring carries bytes, not memory, so a
 * SharedArrayBuffer in a message travels as a node-wide id; the buffer
 * itself goes once to every scheduler thread over a side MessageChannel
 * (postMessage can share it). A frame that names an id its receiver has not
 * been given yet waits, in order, until the buffer arrives.
 */
export class MissingShareError extends Error {
  constructor(readonly shareId: number) {
    super(`shared buffer ${shareId} has not reached this scheduler yet`);
  }
}

export class ShareRegistry {
  private readonly byId = new Map<number, SharedArrayBuffer>();
  private readonly ids = new WeakMap<SharedArrayBuffer, number>();
  /** Called when a buffer arrives, so parked frames can go on. */
  onArrival: (() => void) | null = null;

  constructor(
    private readonly allocate: () => number,
    private readonly publish: (id: number, buffer: SharedArrayBuffer) => void,
  ) {}

  /** The buffer's id, publishing it to the other threads the first time it is sent. */
  idOf(buffer: SharedArrayBuffer): number {
    let id = this.ids.get(buffer);
    if (id === undefined) {
      id = this.allocate();
      this.remember(id, buffer);
      this.publish(id, buffer);
    }
    return id;
  }

  get(id: number): SharedArrayBuffer {
    const buffer = this.byId.get(id);
    if (buffer === undefined) throw new MissingShareError(id);
    return buffer;
  }

  /** A buffer another thread published. */
  receive(id: number, buffer: SharedArrayBuffer): void {
    if (this.byId.has(id)) return;
    this.remember(id, buffer);
    this.onArrival?.();
  }

  entries(): [number, SharedArrayBuffer][] {
    return [...this.byId];
  }

  private remember(id: number, buffer: SharedArrayBuffer): void {
    this.byId.set(id, buffer);
    this.ids.set(buffer, id);
  }
}

/** The registry msgpackr's extension uses on this thread (one scheduler per thread). */
export const threadShares: { registry: ShareRegistry | null } = { registry: null };
