/**
 * Typed errors thrown by @erlmcp/shm. Each carries a stable `code`, also the
 * class's static `code`, by which `deserializeError` rebuilds it in another
 * thread (a structured clone of an Error drops its class and its code: see
 * serialized-error.ts).
 */
export class ShmError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A timed acquire or wait ran out of time. */
export class WaitTimeoutError extends ShmError {
  static readonly code = 'ERR_SHM_TIMEOUT';
  constructor(what: string, timeoutMs: number) {
    super(WaitTimeoutError.code, `${what}: timed out after ${timeoutMs} ms`);
  }
}

/** A blocking (Atomics.wait) call was made on the main thread, which must not block. */
export class MainThreadBlockingError extends ShmError {
  static readonly code = 'ERR_SHM_MAIN_THREAD_BLOCK';
  constructor(what: string, alternative: string) {
    super(MainThreadBlockingError.code, `${what} blocks and is not allowed on the main thread; use ${alternative}`);
  }
}

/** A thread released a lock it does not hold. */
export class NotOwnerError extends ShmError {
  static readonly code = 'ERR_SHM_NOT_OWNER';
  constructor(what: string) {
    super(NotOwnerError.code, `${what}: the calling thread does not hold this lock`);
  }
}

/** The arena could not satisfy an allocation without growing past its maximum. */
export class OutOfMemoryError extends ShmError {
  static readonly code = 'ERR_SHM_OUT_OF_MEMORY';
  readonly requested: number;
  readonly maxBytes: number;
  constructor(requested: number, maxBytes: number) {
    super(OutOfMemoryError.code, `arena: cannot allocate ${requested} bytes within the ${maxBytes}-byte maximum`);
    this.requested = requested;
    this.maxBytes = maxBytes;
  }
}

/** `free` was given an offset that is not a live block (double free or stray offset). */
export class InvalidFreeError extends ShmError {
  static readonly code = 'ERR_SHM_INVALID_FREE';
  constructor(offset: number, reason: string) {
    super(InvalidFreeError.code, `arena: cannot free offset ${offset}: ${reason}`);
  }
}

/** The arena's block headers are not consistent (memory overwritten outside its blocks). */
export class ArenaCorruptedError extends ShmError {
  static readonly code = 'ERR_SHM_ARENA_CORRUPTED';
  constructor(reason: string) {
    super(ArenaCorruptedError.code, `arena: ${reason}`);
  }
}

/** A frame cannot fit in the ring even when it is empty. */
export class FrameTooLargeError extends ShmError {
  static readonly code = 'ERR_SHM_FRAME_TOO_LARGE';
  constructor(length: number, maxLength: number) {
    super(FrameTooLargeError.code, `ring buffer: frame of ${length} bytes exceeds the maximum of ${maxLength}`);
  }
}

/** The thread registry has no free slot (and no slot of a dead thread to reuse). */
export class RegistryFullError extends ShmError {
  static readonly code = 'ERR_SHM_REGISTRY_FULL';
  constructor(capacity: number) {
    super(RegistryFullError.code, `thread registry: all ${capacity} slots hold live threads`);
  }
}

/** A handle or buffer does not hold the structure it claims to (wrong magic, size or alignment). */
export class LayoutError extends ShmError {
  static readonly code = 'ERR_SHM_LAYOUT';
  constructor(message: string) {
    super(LayoutError.code, message);
  }
}

/** A blocking acquire by the thread that already holds the lock, which could never succeed. */
export class DeadlockError extends ShmError {
  static readonly code = 'ERR_SHM_DEADLOCK';
  constructor(what: string) {
    super(DeadlockError.code, `${what}: the calling thread already holds this lock; blocking would never return`);
  }
}
