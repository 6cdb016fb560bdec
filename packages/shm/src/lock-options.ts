import { ThreadRegistry, type ThreadRegistryHandle } from './thread-registry';
import { LayoutError } from './errors';
import { isSharedArrayBuffer } from './platform';

/** Options shared by the locks. */
export interface LockOptions {
  /**
   * Registry consulted to decide whether a lock's owner is dead. Without one,
   * locks never steal (a dead owner then blocks waiters until they time out).
   */
  registry?: ThreadRegistry;
  /** How long a waiter waits before it checks whether the owner is dead. Default 10 ms. */
  recoverAfterMs?: number;
}

export const DEFAULT_RECOVER_AFTER_MS = 10;
/** Default bound for spin-then-yield acquisition: long enough for a preempted holder, short enough not to freeze the event loop for good. */
export const DEFAULT_SPIN_TIMEOUT_MS = 1000;

/** Fields every lock handle carries so a worker can rebuild the lock with the same recovery setup. */
export interface LockHandleBase {
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the lock's first word inside `buffer`. */
  readonly byteOffset: number;
  readonly registry?: ThreadRegistryHandle;
  readonly recoverAfterMs: number;
}

/** Validates that `index`..`index + words` of an Int32Array lie in a SharedArrayBuffer. */
export function checkEmbedding(what: string, view: Int32Array, index: number, words: number): void {
  if (!isSharedArrayBuffer(view.buffer)) throw new LayoutError(`${what}: view must be backed by a SharedArrayBuffer`);
  if (!Number.isInteger(index) || index < 0 || index + words > view.length) {
    throw new LayoutError(`${what}: words ${index}..${index + words - 1} are outside the view (length ${view.length})`);
  }
}

export function checkHandleOffset(what: string, buffer: SharedArrayBuffer, byteOffset: number, words: number): void {
  if (!isSharedArrayBuffer(buffer)) throw new LayoutError(`${what}: handle.buffer is not a SharedArrayBuffer`);
  if (
    !Number.isInteger(byteOffset) ||
    byteOffset < 0 ||
    byteOffset % 4 !== 0 ||
    byteOffset + words * 4 > buffer.byteLength
  ) {
    throw new LayoutError(
      `${what}: byteOffset ${byteOffset} is not a 4-byte aligned offset with room for ${words} words`,
    );
  }
}

/** The words a lock handle names and the recovery options it carries, validated: what `attach` rebuilds a lock from. */
export function attachHandle(
  what: string,
  handle: LockHandleBase,
  words: number,
): { view: Int32Array; options: LockOptions } {
  checkHandleOffset(what, handle.buffer, handle.byteOffset, words);
  return {
    view: new Int32Array(handle.buffer, handle.byteOffset, words),
    options: {
      registry: handle.registry ? ThreadRegistry.attach(handle.registry) : undefined,
      recoverAfterMs: handle.recoverAfterMs,
    },
  };
}
