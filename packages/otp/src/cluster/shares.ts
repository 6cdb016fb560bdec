/**
 * SharedArrayBuffers (and shared WebAssembly memories) in messages. A ring
 * carries bytes, not memory, so a SharedArrayBuffer in a message travels as
 * a node-wide id; the buffer itself goes once to every scheduler thread over
 * a side MessageChannel (postMessage can share it). A frame that names an id
 * its receiver has not been given yet waits, in order, until the buffer
 * arrives. A shared WebAssembly.Memory travels the same way: postMessage
 * shares it too, and a kernel instantiated on another thread over it reads
 * and writes the same bytes, growth included.
 */

/** A shared WebAssembly.Memory, by shape: otp does not pull in the DOM library's WebAssembly types. */
export interface SharedWasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(delta: number): number;
}

/** What can be shared by reference in a message. */
export type Shareable = SharedArrayBuffer | SharedWasmMemory;

/** Tag checks rather than instanceof: a value that came through a MessagePort may belong to another realm. */
export function isSharedArrayBuffer(value: object): value is SharedArrayBuffer {
  return Object.prototype.toString.call(value) === '[object SharedArrayBuffer]';
}

export function isWasmMemory(value: object): value is SharedWasmMemory {
  return Object.prototype.toString.call(value) === '[object WebAssembly.Memory]';
}
export class MissingShareError extends Error {
  constructor(readonly shareId: number) {
    super(`shared buffer ${shareId} has not reached this scheduler yet`);
  }
}

export class ShareRegistry {
  private readonly byId = new Map<number, Shareable>();
  private readonly ids = new WeakMap<Shareable, number>();
  /** Called when a buffer arrives, so parked frames can go on. */
  onArrival: (() => void) | null = null;

  constructor(
    private readonly allocate: () => number,
    private readonly publish: (id: number, buffer: Shareable) => void,
  ) {}

  /** The buffer's id, publishing it to the other threads the first time it is sent. */
  idOf(buffer: Shareable): number {
    let id = this.ids.get(buffer);
    if (id === undefined) {
      id = this.allocate();
      this.remember(id, buffer);
      this.publish(id, buffer);
    }
    return id;
  }

  get(id: number): Shareable {
    const buffer = this.byId.get(id);
    if (buffer === undefined) throw new MissingShareError(id);
    return buffer;
  }

  /** A buffer another thread published. */
  receive(id: number, buffer: Shareable): void {
    if (this.byId.has(id)) return;
    this.remember(id, buffer);
    this.onArrival?.();
  }

  entries(): [number, Shareable][] {
    return [...this.byId];
  }

  private remember(id: number, buffer: Shareable): void {
    this.byId.set(id, buffer);
    this.ids.set(buffer, id);
  }
}

/** The registry msgpackr's extension uses on this thread (one scheduler per thread). */
export const threadShares: { registry: ShareRegistry | null } = { registry: null };
