/**
 * Typings for the two ES2024 features this package relies on (growable
 * SharedArrayBuffer and Atomics.waitAsync). The repo compiles against lib
 * ES2023, so they are declared here instead of widening every package's lib.
 */
import { readlinkSync, statSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';

export type WaitResult = 'ok' | 'not-equal' | 'timed-out';

type WaitAsyncResult =
  { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };

interface AtomicsWithWaitAsync {
  waitAsync(view: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult;
}

interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(newByteLength: number): void;
}

type GrowableSabConstructor = new (byteLength: number, options: { maxByteLength: number }) => GrowableSharedArrayBuffer;

const atomics = Atomics as unknown as AtomicsWithWaitAsync;

/** Creates a SharedArrayBuffer that can later grow in place up to `maxByteLength`. */
export function createGrowableSab(byteLength: number, maxByteLength: number): SharedArrayBuffer {
  const Ctor = SharedArrayBuffer as unknown as GrowableSabConstructor;
  return new Ctor(byteLength, { maxByteLength });
}

export function maxByteLengthOf(sab: SharedArrayBuffer): number {
  const g = sab as GrowableSharedArrayBuffer;
  return g.growable ? g.maxByteLength : sab.byteLength;
}

export function growSab(sab: SharedArrayBuffer, newByteLength: number): void {
  (sab as GrowableSharedArrayBuffer).grow(newByteLength);
}

/** Structured clone keeps SharedArrayBuffers shared, but jest runs tests in a vm
 * context whose SharedArrayBuffer is a different constructor, so `instanceof` is
 * unreliable; the brand check is not. */
export function isSharedArrayBuffer(value: unknown): value is SharedArrayBuffer {
  return Object.prototype.toString.call(value) === '[object SharedArrayBuffer]';
}

/**
 * Atomics.waitAsync that keeps the event loop alive while waiting: V8 does not
 * count a pending waitAsync as a ref'd handle, so without the interval a thread
 * whose only pending work is this wait would exit underneath it.
 */
export async function waitAsyncRef(
  view: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
): Promise<WaitResult> {
  const result = atomics.waitAsync(view, index, value, timeoutMs);
  if (!result.async) return result.value;
  const keepAlive = setInterval(noop, 1 << 30);
  try {
    return await result.value;
  } finally {
    clearInterval(keepAlive);
  }
}

function noop(): void {}

/** Lock words store `threadId + 1` so that 0 can mean "free" (the main thread's id is 0). */
export const SELF_OWNER_ID = threadId + 1;
export const SELF_THREAD_ID = threadId;
export const IS_MAIN_THREAD = isMainThread;

export function ownerIdOf(threadIdValue: number): number {
  return threadIdValue + 1;
}

export function threadIdOfOwner(ownerId: number): number {
  return ownerId - 1;
}

export const now: () => number = () => performance.now();

let osTid: number | undefined;

/**
 * The calling thread's kernel thread id, or 0 where it cannot be known (no
 * /proc/thread-self: not Linux, or /proc not mounted). Read once per thread.
 */
export function osThreadId(): number {
  if (osTid === undefined) {
    try {
      const link = readlinkSync('/proc/thread-self'); // '<pid>/task/<tid>'
      const tid = Number(link.slice(link.lastIndexOf('/') + 1));
      osTid = Number.isInteger(tid) && tid > 0 && tid <= 0x7fffffff ? tid : 0;
    } catch {
      osTid = 0;
    }
  }
  return osTid;
}

/**
 * True when kernel thread `tid` of this process no longer exists: the kernel
 * removes /proc/self/task/<tid> as the thread exits, without waiting for
 * anything in JavaScript. False whenever that is not certain (any error other
 * than ENOENT), so a live thread is never reported gone. A tid the kernel gave
 * to a newer thread reads as alive: a missed death, never a false one.
 */
export function osThreadGone(tid: number): boolean {
  try {
    return statSync(`/proc/self/task/${tid}`, { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}
