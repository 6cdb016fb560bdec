/**
 * @erlmcp/shm — SharedArrayBuffer primitives: a thread registry for owner
 * liveness, robust mutex and reader-writer lock, seqlock, arena allocator and
 * a multi-producer ring buffer of byte frames. Everything is plain data in
 * SharedArrayBuffers; each structure's `handle()` can be posted to a worker and
 * rebuilt there with `attach()`.
 */
export {
  ArenaCorruptedError,
  DeadlockError,
  FrameTooLargeError,
  InvalidFreeError,
  LayoutError,
  MainThreadBlockingError,
  NotOwnerError,
  OutOfMemoryError,
  RegistryFullError,
  ShmError,
  WaitTimeoutError,
} from './errors';
export {
  deserializeError,
  isSerializedError,
  registerErrorClasses,
  serializeError,
  type CodedErrorClass,
  type SerializedError,
} from './serialized-error';
export {
  ThreadRegistry,
  type ThreadInfo,
  type ThreadRegistryHandle,
  type ThreadRegistryOptions,
  type ThreadStatus,
} from './thread-registry';
export {
  DEFAULT_RECOVER_AFTER_MS,
  DEFAULT_SPIN_TIMEOUT_MS,
  type LockHandleBase,
  type LockOptions,
} from './lock-options';
export { Mutex, type MutexHandle } from './mutex';
export { RwLock, type RwLockHandle, type RwLockOptions } from './rwlock';
export { SeqLock, type SeqLockHandle } from './seqlock';
export {
  ARENA_MAX_BYTES,
  Arena,
  type ArenaFragmentation,
  type ArenaHandle,
  type ArenaOptions,
  type ArenaStats,
} from './arena';
export {
  RING_MAX_CAPACITY,
  RING_MIN_CAPACITY,
  RingBuffer,
  type RingBufferHandle,
  type RingBufferOptions,
  type RingBufferStats,
} from './ring-buffer';
export { SELF_THREAD_ID as currentThreadId } from './platform';
export { VersionedCache, cacheKeyHash, isCacheKey, type CacheKey, type VersionedCacheOptions } from './versioned-cache';
